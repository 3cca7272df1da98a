// Threading headers for mail about a post: one Message-ID per post, shared by every recipient's
// copy, and In-Reply-To/References pointing where mail clients expect them: at the customer's own
// Message-ID when the post they answer came in by email.
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Post } from '../../posts/posts.table.ts';
import type { Topic } from '../../topics/topics.table.ts';

export interface ThreadHeaders { messageId: string; inReplyTo: string | null; references: string[] }

/** Parley's Message-ID for a post's mail: the same for every recipient, and for every resend. */
export const postMessageId = (topicId: number, postId: number, domain: string) => `topic/${topicId}/${postId}@${domain}`;

/** Whether a Message-ID is one of {@link postMessageId}'s. */
export const isPostMessageId = (messageId: string) => /^topic\/\d+\/\d+@/.test(messageId);

/** How mail clients know each post: by the Message-ID it arrived with, else by ours. */
async function knownMessageIds(trx: Transaction<DB>, topicId: number, postIds: number[], domain: string): Promise<Map<number, string>> {
  const incoming = await trx.selectFrom('email_message_ids').select(['post_id', 'message_id'])
    .where('post_id', 'in', postIds).where('direction', '=', 'in').orderBy('created_at').orderBy('message_id').execute();
  const ids = new Map<number, string>();
  for (const row of incoming) if (row.post_id !== null && !ids.has(row.post_id)) ids.set(row.post_id, row.message_id);
  for (const id of postIds) if (!ids.has(id)) ids.set(id, postMessageId(topicId, id, domain));
  return ids;
}

/**
 * The post's Message-ID (recorded, so a reply quoting it finds the topic), In-Reply-To the post it
 * answers (or the first post), and References the first post and that parent.
 */
export async function threadHeaders(trx: Transaction<DB>, topic: Topic, post: Post, domain: string): Promise<ThreadHeaders> {
  const messageId = postMessageId(topic.id, post.id, domain);
  await trx.insertInto('email_message_ids').values({ message_id: messageId, topic_id: topic.id, post_id: post.id, direction: 'out' })
    .onConflict((oc) => oc.column('message_id').doNothing()).execute();
  if (post.post_number === 1) return { messageId, inReplyTo: null, references: [] };
  const wanted = [...new Set([1, post.reply_to_post_number ?? 1])];
  const posts = await trx.selectFrom('posts').select(['id', 'post_number']).where('topic_id', '=', topic.id).where('post_number', 'in', wanted).execute();
  const first = posts.find((p) => p.post_number === 1);
  const parent = posts.find((p) => p.post_number === post.reply_to_post_number) ?? first;
  const chain = [first, parent].filter((p): p is { id: number; post_number: number } => p !== undefined);
  if (chain.length === 0) return { messageId, inReplyTo: null, references: [] };
  const ids = await knownMessageIds(trx, topic.id, chain.map((p) => p.id), domain);
  return { messageId, inReplyTo: ids.get(parent!.id)!, references: [...new Set(chain.map((p) => ids.get(p.id)!))] };
}
