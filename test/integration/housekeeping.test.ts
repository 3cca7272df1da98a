import { createHash } from 'node:crypto';
import t from 'tap';
import { SESSION_COOKIE, createSession } from '../../core/auth/sessions.ts';
import { EVENT_RETENTION_MS, housekeeping } from '../../core/jobs/housekeeping.ts';
import { testApp } from '../helpers/app.ts';

t.test('housekeeping removes old live events, expired sessions and finished rate-limit windows, and nothing current', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const now = new Date();
  const old = new Date(now.getTime() - EVENT_RETENTION_MS - 60_000);
  await h.core.db.insertInto('realtime_events').values([
    { channel: '/old', payload: JSON.stringify({}), topic_id: null, user_ids: null, group_ids: null, created_at: old },
    { channel: '/recent', payload: JSON.stringify({}), topic_id: null, user_ids: null, group_ids: null },
  ]).execute();
  const current = await createSession(h.core.db, alice.user!.id, {});
  const stale = await createSession(h.core.db, alice.user!.id, {});
  await h.core.db.updateTable('sessions').set({ expires_at: old }).where('id', '=', createHash('sha256').update(stale).digest('base64url')).execute();
  await h.core.db.insertInto('rate_limits').values([{ key: 'done', hits: 3, reset_at: old }, { key: 'running', hits: 1, reset_at: new Date(now.getTime() + 60_000) }]).execute();

  const removed = await housekeeping(h.core.db, now);
  t.equal(removed.events, 1);
  t.equal(removed.rateLimits, 1);
  t.equal(removed.sessions, 1, 'the expired session goes');
  t.same((await h.core.db.selectFrom('realtime_events').select('channel').execute()).map((r) => r.channel).filter((c) => c.startsWith('/r') || c === '/old'), ['/recent']);
  t.same((await h.core.db.selectFrom('rate_limits').select('key').execute()).map((r) => r.key), ['running']);
  const stillIn = await h.app.inject({ url: '/api/session/me', cookies: { [SESSION_COOKIE]: current } });
  const out = await h.app.inject({ url: '/api/session/me', cookies: { [SESSION_COOKIE]: stale } });
  t.equal(stillIn.statusCode, 200, 'the current session still works');
  t.equal(out.statusCode, 401, 'the expired one is gone');
});
