import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Post } from './posts.table.ts';

const POST_COLUMNS = ['posts.id', 'posts.topic_id', 'posts.user_id', 'posts.post_number', 'posts.raw', 'posts.cooked', 'posts.post_type',
  'posts.action_code', 'posts.reply_to_post_number', 'posts.via', 'posts.version', 'posts.created_at', 'posts.updated_at',
  'posts.deleted_at', 'posts.deleted_by_id'] as const;

export const findPost = (db: Kysely<DB>, id: number): Promise<Post | undefined> =>
  db.selectFrom('posts').select(POST_COLUMNS).where('id', '=', id).executeTakeFirst();

export const findPostByNumber = (db: Kysely<DB>, topicId: number, postNumber: number): Promise<Post | undefined> =>
  db.selectFrom('posts').select(POST_COLUMNS).where('topic_id', '=', topicId).where('post_number', '=', postNumber).executeTakeFirst();

export { POST_COLUMNS };
