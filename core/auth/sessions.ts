import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { userGroupIds } from '../permissions/viewer.ts';
import type { DB } from '../db/schema.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import type { User } from '../users/users.table.ts';

export const SESSION_COOKIE = 'parley_session';
export const SESSION_DAYS = 60;

/** Internal signal: these sessions, or every session of these users, have ended. */
export const SESSIONS_ENDED = 'parley:sessions-ended';
export interface SessionsEnded { sessionIds?: string[]; userIds?: number[] }

/** The session's key in the table: a hash of the cookie's token, so a leaked table signs no one in. */
export const sessionId = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Sessions live in the database (any process can serve any request); the cookie holds a random token, the table only its hash. */
export async function createSession(db: Kysely<DB>, userId: number, meta: { userAgent?: string; ip?: string }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.insertInto('sessions').values({
    id: sessionId(token), user_id: userId, expires_at: new Date(Date.now() + SESSION_DAYS * 86_400_000),
    user_agent: (meta.userAgent ?? '').slice(0, 300), ip: meta.ip ?? '',
  }).execute();
  return token;
}

export interface SessionRow { user: User; groupIds: number[]; expiresAt: Date }

/** The session's user and the groups they belong to, in one query. */
export async function findSession(db: Kysely<DB>, id: string): Promise<SessionRow | null> {
  const row = await db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').selectAll('users')
    .select((eb) => ['sessions.last_seen_at as session_seen', 'sessions.expires_at as session_expires',
      userGroupIds(eb).as('group_ids')])
    .where('sessions.id', '=', id).where('sessions.expires_at', '>', new Date()).executeTakeFirst();
  if (!row) return null;
  const { session_seen, session_expires, group_ids, ...user } = row;
  if (Date.now() - session_seen.getTime() > 300_000) {
    // Touch at most every five minutes: a write per request would be waste.
    await db.updateTable('sessions').set({ last_seen_at: new Date() }).where('id', '=', id).execute();
    await db.updateTable('users').set({ last_seen_at: new Date() }).where('id', '=', user.id).execute();
  }
  return { user, groupIds: group_ids, expiresAt: session_expires };
}

/** Tells every process (this one at once) to stop honouring these sessions. */
export async function signalSessionsEnded(bus: EventBus, ended: SessionsEnded): Promise<void> {
  await bus.publish(SESSIONS_ENDED, ended, { persist: false });
}

/** Signs one browser out, in every process. */
export async function destroySession(db: Kysely<DB>, bus: EventBus, token: string): Promise<void> {
  const id = sessionId(token);
  await db.deleteFrom('sessions').where('id', '=', id).execute();
  await signalSessionsEnded(bus, { sessionIds: [id] });
}

/** Signs a user out everywhere (suspension), in every process. */
export async function destroyUserSessions(db: Kysely<DB>, bus: EventBus, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await signalSessionsEnded(bus, { userIds: [userId] });
}

/** Signs a user out of every browser but the one whose session token is `keep` (a password change). */
export async function destroyOtherSessions(db: Kysely<DB>, bus: EventBus, userId: number, keep: string | null): Promise<void> {
  const keepId = keep ? sessionId(keep) : null;
  const ended = await db.deleteFrom('sessions').where('user_id', '=', userId)
    .$if(keepId !== null, (q) => q.where('id', '!=', keepId!)).returning('id').execute();
  if (ended.length) await signalSessionsEnded(bus, { sessionIds: ended.map((r) => r.id) });
}
