// Threading headers for mail about a post: one Message-ID per post, shared by every recipient's
// copy, and In-Reply-To/References pointing where mail clients expect them: at the customer's own
// Message-ID when the post they answer came in by email.
import type { QueryCreator, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Post } from '../../posts/posts.table.ts';
import type { Topic } from '../../topics/topics.table.ts';

export interface ThreadHeaders { messageId: string; inReplyTo: string | null; references: string[] }

/** Parley's Message-ID for a post's mail: the same for every recipient, and for every resend. */
export const postMessageId = (topicId: number, postId: number, domain: string) => `topic/${topicId}/${postId}@${domain}`;

/** Whether a Message-ID is one of {@link postMessageId}'s. */
export const isPostMessageId = (messageId: string) => /^topic\/\d+\/\d+@/.test(messageId);

/**
 * The post's Message-ID (recorded, so a reply quoting it finds the topic), In-Reply-To the post it
 * answers (or the first post), and References the first post and that parent.
 */
export async function threadHeaders(trx: Transaction<DB>, topic: Topic, post: Post, domain: string): Promise<ThreadHeaders> {
  const messageId = postMessageId(topic.id, post.id, domain);
  const record = (db: Pick<QueryCreator<DB>, 'insertInto'>) => db.insertInto('email_message_ids').values({ message_id: messageId, topic_id: topic.id, post_id: post.id, direction: 'out' })
    .onConflict((oc) => oc.column('message_id').doNothing());
  if (post.post_number === 1) {
    await record(trx).execute();
    return { messageId, inReplyTo: null, references: [] };
  }
  const wanted = [...new Set([1, post.reply_to_post_number ?? 1])];
  // Each post as mail clients know it: by the Message-ID it arrived with (the first, if several), else
  // by ours; read by the statement that records this post's (as a CTE: one round trip).
  const posts = await trx.with('recorded', record).selectFrom('posts').select(['posts.id', 'posts.post_number'])
    .select((eb) => eb.selectFrom('email_message_ids').select('email_message_ids.message_id').whereRef('email_message_ids.post_id', '=', 'posts.id')
      .where('email_message_ids.direction', '=', 'in').orderBy('email_message_ids.created_at').orderBy('email_message_ids.message_id').limit(1).as('incoming_id'))
    .where('posts.topic_id', '=', topic.id).where('posts.post_number', 'in', wanted).execute();
  const first = posts.find((p) => p.post_number === 1);
  const parent = posts.find((p) => p.post_number === post.reply_to_post_number) ?? first;
  const chain = [first, parent].filter((p): p is (typeof posts)[number] => p !== undefined);
  if (chain.length === 0) return { messageId, inReplyTo: null, references: [] };
  const known = (p: (typeof posts)[number]) => p.incoming_id ?? postMessageId(topic.id, p.id, domain);
  return { messageId, inReplyTo: known(parent!), references: [...new Set(chain.map(known))] };
}
