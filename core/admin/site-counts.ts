import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

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
