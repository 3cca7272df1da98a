import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) });
const build = (i: number) => db.insertInto('posts').values({
  topic_id: i, user_id: 2, post_number: 3, raw: 'x', cooked: 'y', post_type: 1, action_code: null, reply_to_post_number: null,
  via: 'email', created_at: new Date(), updated_at: new Date(), deleted_at: null, deleted_by_id: null,
}).returning(['id', 'topic_id', 'user_id', 'post_number', 'raw', 'cooked', 'post_type', 'action_code', 'reply_to_post_number', 'via', 'version', 'created_at', 'updated_at', 'deleted_at', 'deleted_by_id']);
for (let i = 0; i < 20000; i++) build(i).compile();
let t = performance.now(); for (let i = 0; i < 20000; i++) build(i); const b = (performance.now() - t) / 20000 * 1000;
t = performance.now(); for (let i = 0; i < 20000; i++) build(i).compile(); const bc = (performance.now() - t) / 20000 * 1000;
console.log('build µs', b.toFixed(1), 'build+compile µs', bc.toFixed(1));
const sel = (i: number) => db.selectFrom('topics').innerJoin('posts', 'posts.topic_id', 'topics.id').select(['topics.id', 'topics.title', 'posts.post_number']).where('topics.id', '=', i).where((eb) => eb.or([eb('topics.archetype', '=', 'regular'), eb.exists(eb.selectFrom('topic_allowed_users').select('user_id').whereRef('topic_allowed_users.topic_id', '=', 'topics.id'))]));
for (let i = 0; i < 20000; i++) sel(i).compile();
t = performance.now(); for (let i = 0; i < 20000; i++) sel(i).compile(); console.log('select build+compile µs', ((performance.now() - t) / 20000 * 1000).toFixed(1));
process.exit(0);
