import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { escapeLike } from '../users/users.repo.ts';
import type { UserUpdate } from '../users/users.table.ts';

/*
 * The account queries behind the admin pages. They mirror the private ones in
 * core/users/admin-users.routes.ts (same fields, same search); that file could import these.
 */

export const USERS_PAGE = 50;

const ADMIN_FIELDS = ['users.id', 'users.username', 'users.name', 'users.admin', 'users.moderator', 'users.active', 'users.staged',
  'users.suspended_until', 'users.suspended_reason', 'users.created_at', 'users.last_seen_at'] as const;

/** Newest first, 50 a page; the term matches a username or primary email. */
export function listUsers(db: Kysely<DB>, term: string, page: number) {
  const like = `%${escapeLike(term.trim().toLowerCase())}%`;
  return db.selectFrom('users').leftJoin('user_emails', (j) => j.onRef('user_emails.user_id', '=', 'users.id').on('user_emails.is_primary', '=', true))
    .select([...ADMIN_FIELDS, 'user_emails.email'])
    .$if(term.trim() !== '', (q) => q.where((eb) => eb.or([eb('users.username_lower', 'like', like), eb('user_emails.email_lower', 'like', like)])))
    .orderBy('users.id', 'desc').limit(USERS_PAGE).offset(page * USERS_PAGE).execute();
}

export async function findAdminUser(db: Kysely<DB>, id: number) {
  const user = await db.selectFrom('users').leftJoin('user_emails', (j) => j.onRef('user_emails.user_id', '=', 'users.id').on('user_emails.is_primary', '=', true))
    .select([...ADMIN_FIELDS, 'user_emails.email']).where('users.id', '=', id).executeTakeFirst();
  if (!user) throw notFound('That user');
  return user;
}

export async function updateUser(db: Kysely<DB>, id: number, values: UserUpdate) {
  const user = await db.updateTable('users').set({ ...values, updated_at: new Date() }).where('id', '=', id)
    .returning(['id', 'username']).executeTakeFirst();
  if (!user) throw notFound('That user');
  return user;
}

/** What the dashboard counts. Deleted topics and posts do not count. */
export async function siteCounts(db: Kysely<DB>, now: Date) {
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const [users, topics, posts] = await Promise.all([
    db.selectFrom('users').select((eb) => [
      eb.fn.countAll<string>().filterWhere('staged', '=', false).as('users'),
      eb.fn.countAll<string>().filterWhere('staged', '=', true).as('staged'),
    ]).executeTakeFirstOrThrow(),
    db.selectFrom('topics').where('deleted_at', 'is', null).select((eb) => [
      eb.fn.countAll<string>().filterWhere('archetype', '=', 'regular').as('topics'),
      eb.fn.countAll<string>().filterWhere('archetype', '=', 'private_message').as('messages'),
    ]).executeTakeFirstOrThrow(),
    db.selectFrom('posts').where('deleted_at', 'is', null).where('created_at', '>', weekAgo)
      .select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { users: Number(users.users), staged: Number(users.staged), topics: Number(topics.topics), messages: Number(topics.messages), postsLastWeek: Number(posts.n) };
}
