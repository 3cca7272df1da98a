import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { NewUser, User } from './users.table.ts';

export const findUserById = (db: Kysely<DB>, id: number): Promise<User | undefined> =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const findUserByUsername = (db: Kysely<DB>, username: string): Promise<User | undefined> =>
  db.selectFrom('users').selectAll().where('username_lower', '=', username.toLowerCase()).executeTakeFirst();

export const findUserByEmail = (db: Kysely<DB>, email: string): Promise<User | undefined> =>
  db.selectFrom('users').selectAll('users')
    .innerJoin('user_emails', 'user_emails.user_id', 'users.id')
    .where('user_emails.email_lower', '=', email.trim().toLowerCase()).executeTakeFirst();

export const findUserByLogin = async (db: Kysely<DB>, login: string): Promise<User | undefined> =>
  login.includes('@') ? findUserByEmail(db, login) : findUserByUsername(db, login);

export const insertUser = (db: Kysely<DB>, user: NewUser): Promise<User> =>
  db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();

export async function insertUserEmail(db: Kysely<DB>, userId: number, email: string, isPrimary: boolean): Promise<void> {
  await db.insertInto('user_emails').values({ user_id: userId, email: email.trim(), email_lower: email.trim().toLowerCase(), is_primary: isPrimary }).execute();
}

export const emailsOf = (db: Kysely<DB>, userId: number) =>
  db.selectFrom('user_emails').select(['email', 'is_primary']).where('user_id', '=', userId).orderBy('is_primary', 'desc').orderBy('id').execute();

export const primaryEmail = async (db: Kysely<DB>, userId: number): Promise<string | null> =>
  (await db.selectFrom('user_emails').select('email').where('user_id', '=', userId).where('is_primary', '=', true).executeTakeFirst())?.email ?? null;

export const groupIdsOf = async (db: Kysely<DB>, userId: number): Promise<number[]> =>
  (await db.selectFrom('group_users').select('group_id').where('user_id', '=', userId).execute()).map((r) => r.group_id);

export const usernameTaken = async (db: Kysely<DB>, username: string): Promise<boolean> =>
  (await db.selectFrom('users').select('id').where('username_lower', '=', username.toLowerCase()).executeTakeFirst()) !== undefined;

/** Users whose username or name starts with `term`, for autocomplete and the directory (never staged ones). */
export const searchUsers = (db: Kysely<DB>, term: string, limit: number) =>
  db.selectFrom('users').select(['id', 'username', 'name'])
    .where('staged', '=', false).where('active', '=', true)
    .where((eb) => eb.or([
      eb('username_lower', 'like', `${escapeLike(term.toLowerCase())}%`),
      eb(sql`lower(name)`, 'like', `${escapeLike(term.toLowerCase())}%`),
    ]))
    .orderBy('username_lower').limit(limit).execute();

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
