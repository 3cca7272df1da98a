import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { User } from '../users/users.table.ts';

export const SESSION_COOKIE = 'parley_session';
export const SESSION_DAYS = 60;

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Sessions live in the database (any process can serve any request); the cookie holds a random token, the table only its hash. */
export async function createSession(db: Kysely<DB>, userId: number, meta: { userAgent?: string; ip?: string }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.insertInto('sessions').values({
    id: hash(token), user_id: userId, expires_at: new Date(Date.now() + SESSION_DAYS * 86_400_000),
    user_agent: (meta.userAgent ?? '').slice(0, 300), ip: meta.ip ?? '',
  }).execute();
  return token;
}

/** The session's user and the groups they belong to, in one query (it runs on every request). */
export async function userForSession(db: Kysely<DB>, token: string): Promise<{ user: User; groupIds: number[] } | null> {
  const row = await db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').selectAll('users')
    .select((eb) => ['sessions.last_seen_at as session_seen',
      sql<number[]>`array(${eb.selectFrom('group_users').select('group_users.group_id').whereRef('group_users.user_id', '=', 'users.id')})`.as('group_ids')])
    .where('sessions.id', '=', hash(token)).where('sessions.expires_at', '>', new Date()).executeTakeFirst();
  if (!row) return null;
  const { session_seen, group_ids, ...user } = row;
  if (Date.now() - session_seen.getTime() > 300_000) {
    // Touch at most every five minutes: a write per request would be waste.
    await db.updateTable('sessions').set({ last_seen_at: new Date() }).where('id', '=', hash(token)).execute();
    await db.updateTable('users').set({ last_seen_at: new Date() }).where('id', '=', user.id).execute();
  }
  return { user, groupIds: group_ids };
}

export async function destroySession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', hash(token)).execute();
}

export async function destroyUserSessions(db: Kysely<DB>, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}
