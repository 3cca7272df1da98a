import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { PostPredicate, TopicPredicate } from '../hooks/hook-types.ts';
import type { Upload } from './uploads.table.ts';

export const findUploadBySha = (db: Kysely<DB>, sha256: string): Promise<Upload | undefined> =>
  db.selectFrom('uploads').selectAll().where('sha256', '=', sha256).executeTakeFirst();

/** Inserts the upload unless its content is already stored, and records this uploader; returns the row for that content. */
export async function insertUpload(db: Kysely<DB>, values: { sha256: string; original_filename: string; content_type: string; size: number; user_id: number }): Promise<Upload> {
  // One statement: a conflict "updates" the row to itself so that RETURNING gives the existing row
  // (even one another transaction has just committed), and the uploader is recorded alongside.
  const upload = await db.with('upload', (q) => q.insertInto('uploads').values(values)
    .onConflict((oc) => oc.column('sha256').doUpdateSet((eb) => ({ sha256: eb.ref('excluded.sha256') }))).returningAll())
    .with('uploader', (q) => q.insertInto('upload_users').columns(['upload_id', 'user_id'])
      .expression((eb) => eb.selectFrom('upload').select(['upload.id', sql<number>`${values.user_id}::int`.as('user_id')])).onConflict((oc) => oc.doNothing()))
    .selectFrom('upload').selectAll().executeTakeFirstOrThrow();
  return upload;
}

export const isUploader = async (db: Kysely<DB>, uploadId: number, userId: number): Promise<boolean> =>
  (await db.selectFrom('upload_users').select('user_id').where('upload_id', '=', uploadId).where('user_id', '=', userId).executeTakeFirst()) !== undefined;

/** Whether the upload is attached to a post that passes both visibility conditions (from the guardian). */
export async function attachedToVisiblePost(db: Kysely<DB>, uploadId: number, topicOk: TopicPredicate, postOk: PostPredicate): Promise<boolean> {
  const row = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').select('posts.id')
    .where('posts.id', 'in', (eb) => eb.selectFrom('post_uploads').select('post_uploads.post_id').where('post_uploads.upload_id', '=', uploadId))
    .where((eb) => topicOk(eb as unknown as ExpressionBuilder<DB, 'topics'>)).where(postOk).limit(1).executeTakeFirst();
  return row !== undefined;
}

export const uploadsByIds = (db: Kysely<DB>, ids: number[]): Promise<Upload[]> =>
  ids.length === 0 ? Promise.resolve([]) : db.selectFrom('uploads').selectAll().where('id', 'in', ids).execute();

export async function insertPostUploads(db: Kysely<DB>, postId: number, uploadIds: number[]): Promise<void> {
  if (uploadIds.length === 0) return;
  await db.insertInto('post_uploads').values(uploadIds.map((upload_id) => ({ post_id: postId, upload_id })))
    .onConflict((oc) => oc.columns(['post_id', 'upload_id']).doNothing()).execute();
}
