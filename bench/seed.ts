import { sql, type Kysely } from 'kysely';
import type { DB } from '../core/db/schema.ts';

export interface SeedSize { users: number; topics: number; postsPerTopic: number }

/**
 * Bulk-seeds a forum with set-based SQL: users, ten public categories, topics, posts, and read
 * state for user 1 on a third of the topics. GIN indexes are rebuilt once at the end.
 */
export async function seedForum(db: Kysely<DB>, size: SeedSize): Promise<void> {
  const { users, topics, postsPerTopic } = size;
  await sql`DROP INDEX IF EXISTS posts_search; DROP INDEX IF EXISTS topics_search`.execute(db);
  await sql`INSERT INTO users (id, username, username_lower, name, active)
    SELECT g, 'user' || g, 'user' || g, 'User ' || g, true FROM generate_series(1, ${sql.lit(users)}) g`.execute(db);
  await sql`INSERT INTO categories (id, name, slug) SELECT g, 'Category ' || g, 'category-' || g FROM generate_series(1, 10) g`.execute(db);
  await sql`INSERT INTO category_groups (category_id, group_id, permission) SELECT g, 0, 1 FROM generate_series(1, 10) g`.execute(db);
  await sql`INSERT INTO topics (id, title, slug, category_id, user_id, created_at, bumped_at, last_posted_at, last_post_user_id,
      posts_count, highest_post_number, highest_staff_post_number, excerpt)
    SELECT g, 'Topic ' || g || ' about printers, invoices and passwords', 'topic-' || g, 1 + g % 10, 1 + g % ${sql.lit(users)},
      now() - make_interval(mins => g), now() - make_interval(mins => g), now() - make_interval(mins => g), 1 + (g * 7) % ${sql.lit(users)},
      ${sql.lit(postsPerTopic)}, ${sql.lit(postsPerTopic)}, ${sql.lit(postsPerTopic)}, 'The first post of topic ' || g || ', a short excerpt.'
    FROM generate_series(1, ${sql.lit(topics)}) g`.execute(db);
  const chunk = 10_000;
  for (let start = 1; start <= topics; start += chunk) {
    await sql`INSERT INTO posts (topic_id, user_id, post_number, raw, cooked, created_at, updated_at)
      SELECT t, 1 + (t * 7 + n) % ${sql.lit(users)}, n, 'Reply ' || n || ' in topic ' || t || ': have you tried turning it off and on again?',
        '<p>Reply ' || n || ' in topic ' || t || '</p>', now(), now()
      FROM generate_series(${sql.lit(start)}, ${sql.lit(Math.min(topics, start + chunk - 1))}) t, generate_series(1, ${sql.lit(postsPerTopic)}) n`.execute(db);
  }
  await sql`INSERT INTO topic_users (user_id, topic_id, last_read_post_number, notification_level)
    SELECT 1, g, 1 + g % ${sql.lit(postsPerTopic)}, 1 FROM generate_series(1, ${sql.lit(topics)}, 3) g`.execute(db);
  await sql`SELECT setval(pg_get_serial_sequence('users', 'id'), ${sql.lit(users)});
    SELECT setval(pg_get_serial_sequence('topics', 'id'), ${sql.lit(topics)});
    SELECT setval(pg_get_serial_sequence('categories', 'id'), 10);
    CREATE INDEX posts_search ON posts USING gin (search_vector);
    CREATE INDEX topics_search ON topics USING gin (search_vector)`.execute(db);
  // Vacuumed as well as analysed: autovacuum would otherwise set in on the new rows mid-measurement.
  await sql`VACUUM ANALYZE`.execute(db);
}
