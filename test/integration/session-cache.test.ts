import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../core/app.ts';
import { SESSION_COOKIE } from '../../core/auth/sessions.ts';
import { openDatabase } from '../../core/db/database.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';

/**
 * Every process keeps who each session belongs to in memory. These tests change an account
 * through one process and ask both it and a second process on the same database: the first must
 * answer from the new state at once, the second as soon as the notification reaches it.
 */
async function twoProcesses(t: Test): Promise<TestApp & { other: FastifyInstance }> {
  const h = await testApp({ jobs: false });
  // PGlite lives inside one process: the second app shares it (and its LISTEN) like a second worker would share a server.
  const database = ENGINE === 'postgres' ? await openDatabase({ url: h.core.database.connectionString!, poolSize: 2 }) : h.core.database;
  const other = await buildApp({ logger: false, jobs: false, database, config: { dataDir: '/tmp/parley-test-data' } });
  t.teardown(async () => {
    await other.close();
    if (database !== h.core.database) await database.close();
    await h.close();
  });
  return Object.assign(h, { other });
}

const ask = (app: FastifyInstance, token: string, url: string) => app.inject({ url, cookies: { [SESSION_COOKIE]: token } });

/** Polls until `check` holds, for at most two seconds: another process hears of a change by notification. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + 2000;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

const topicIds = async (app: FastifyInstance, token: string) => (await ask(app, token, '/api/latest')).json().topics.map((x: { id: number }) => x.id);

t.test('a signed-out session is refused at once here, and promptly by another process', async (t) => {
  const h = await twoProcesses(t);
  const alice = await h.user('alice');
  const token = alice.sessionToken!;
  t.equal((await ask(h.app, token, '/api/session/me')).statusCode, 200);
  t.equal((await ask(h.other, token, '/api/session/me')).statusCode, 200, 'both processes now remember the session');
  t.equal((await alice.delete('/api/session')).statusCode, 200);
  t.equal((await ask(h.app, token, '/api/session/me')).statusCode, 401, 'the process that signed her out');
  t.ok(await eventually(async () => (await ask(h.other, token, '/api/session/me')).statusCode === 401), 'the other process');
});

t.test('a suspended user is signed out at once here, and promptly by another process', async (t) => {
  const h = await twoProcesses(t);
  const admin = await h.user('boss', { admin: true });
  const mallory = await h.user('mallory');
  const token = mallory.sessionToken!;
  t.equal((await ask(h.app, token, '/api/latest')).json().topics.length, 0);
  t.equal((await ask(h.other, token, '/api/session/me')).statusCode, 200);
  const until = new Date(Date.now() + 86_400_000).toISOString();
  t.equal((await admin.put(`/api/admin/users/${mallory.user!.id}/suspend`, { until, reason: 'Spam' })).statusCode, 200);
  t.equal((await ask(h.app, token, '/api/session/me')).statusCode, 401, 'here, at once');
  t.ok(await eventually(async () => (await ask(h.other, token, '/api/session/me')).statusCode === 401), 'and in the other process');
});

t.test('a member removed from a group stops seeing its category at once; added back, sees it again', async (t) => {
  const h = await twoProcesses(t);
  const admin = await h.user('boss', { admin: true });
  const bob = await h.user('bob');
  t.equal((await admin.post('/api/groups', { name: 'crew' })).statusCode, 201);
  const category = await h.core.services.categories.create({ name: 'Crew room', permissions: [{ group: 'crew', permission: 'create' }] });
  const topic = (await admin.post('/api/topics', { title: 'Crew only plans', raw: 'For the crew.', categoryId: category.id })).json().topic;
  const token = bob.sessionToken!;
  t.notOk((await topicIds(h.app, token)).includes(topic.id), 'not a member yet');
  t.notOk((await topicIds(h.other, token)).includes(topic.id));
  t.equal((await admin.post('/api/groups/crew/members', { usernames: ['bob'] })).statusCode, 200);
  t.ok((await topicIds(h.app, token)).includes(topic.id), 'a member now, here at once');
  t.ok(await eventually(async () => (await topicIds(h.other, token)).includes(topic.id)), 'and in the other process');
  t.equal((await admin.delete('/api/groups/crew/members/bob')).statusCode, 200);
  t.notOk((await topicIds(h.app, token)).includes(topic.id), 'removed: gone here at once');
  t.ok(await eventually(async () => !(await topicIds(h.other, token)).includes(topic.id)), 'and in the other process');
  t.same((await ask(h.app, token, '/api/session/me')).json().user.groupIds, [], 'his groups are current');
});

t.test('roles granted or revoked apply to the next request', async (t) => {
  const h = await twoProcesses(t);
  const admin = await h.user('boss', { admin: true });
  const carol = await h.user('carol');
  const token = carol.sessionToken!;
  const isAdmin = async (app: FastifyInstance) => (await ask(app, token, '/api/session/me')).json().user.admin;
  t.equal(await isAdmin(h.app), false);
  t.equal(await isAdmin(h.other), false);
  t.equal((await admin.put(`/api/admin/users/${carol.user!.id}/roles`, { admin: true })).statusCode, 200);
  t.equal(await isAdmin(h.app), true, 'granted: here at once');
  t.equal((await ask(h.app, token, '/api/admin/users')).statusCode, 200, 'and she may use it');
  t.ok(await eventually(async () => (await isAdmin(h.other)) === true), 'and in the other process');
  t.equal((await admin.put(`/api/admin/users/${carol.user!.id}/roles`, { admin: false })).statusCode, 200);
  t.equal((await ask(h.app, token, '/api/admin/users')).statusCode, 403, 'revoked: here at once');
  t.ok(await eventually(async () => (await isAdmin(h.other)) === false), 'and in the other process');
});
