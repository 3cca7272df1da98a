import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { NotificationChannel, NotificationDispatch } from '../hooks/hook-types.ts';
import { PostType, type Post } from '../posts/posts.table.ts';
import type { Topic } from '../topics/topics.table.ts';

const MUTED = 0;
const WATCHING = 3;

/** Which kind wins when one user has several reasons to hear of the same post. */
const PRECEDENCE = ['mentioned', 'replied', 'private_message', 'group_mentioned', 'posted'] as const;
type Kind = (typeof PRECEDENCE)[number];

const EMAIL_OPTION: Record<Kind, 'email_mentions' | 'email_replies' | 'email_messages' | null> = {
  mentioned: 'email_mentions', group_mentioned: 'email_mentions', replied: 'email_replies', private_message: 'email_messages', posted: null,
};

export interface PlanInput {
  topic: Topic;
  post: Post;
  actorId: number | null;
  mentionedUserIds: number[];
  mentionedGroupIds: number[];
}

/**
 * Core's notification plan for a new post: mentions, the replied-to author, message participants,
 * watching group members and topic watchers; muted topics stay silent. One entry per user.
 */
export async function planNotifications(db: Kysely<DB>, input: PlanInput): Promise<NotificationDispatch[]> {
  const { topic, post, actorId } = input;
  if (post.post_type === PostType.smallAction || post.action_code) return [];
  const reasons = new Map<number, { kind: Kind; high: boolean }>();
  const add = (userId: number, kind: Kind, high = false) => {
    if (userId === actorId) return;
    const prev = reasons.get(userId);
    const winner = !prev || PRECEDENCE.indexOf(kind) < PRECEDENCE.indexOf(prev.kind) ? kind : prev.kind;
    reasons.set(userId, { kind: winner, high: high || (prev?.high ?? false) });
  };
  for (const id of input.mentionedUserIds) add(id, 'mentioned');
  for (const id of await membersOf(db, input.mentionedGroupIds)) add(id, 'group_mentioned');
  if (post.reply_to_post_number) {
    const parent = await db.selectFrom('posts').select('user_id').where('topic_id', '=', topic.id).where('post_number', '=', post.reply_to_post_number).executeTakeFirst();
    if (parent?.user_id) add(parent.user_id, 'replied');
  }
  if (topic.archetype === 'private_message') {
    for (const r of await db.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', topic.id).execute()) add(r.user_id, 'private_message', true);
    const watchers = await db.selectFrom('group_users').innerJoin('topic_allowed_groups', 'topic_allowed_groups.group_id', 'group_users.group_id')
      .select('group_users.user_id').where('topic_allowed_groups.topic_id', '=', topic.id).where('group_users.notification_level', '=', WATCHING).execute();
    for (const r of watchers) add(r.user_id, 'private_message');
  }
  // Watchers and those who muted the topic, in one query; a mention still reaches someone who muted it.
  const levels = await db.selectFrom('topic_users').select(['user_id', 'notification_level']).where('topic_id', '=', topic.id).where('notification_level', 'in', [MUTED, WATCHING]).execute();
  for (const r of levels) if (r.notification_level === WATCHING) add(r.user_id, 'posted');
  const mentioned = new Set(input.mentionedUserIds);
  for (const r of levels) if (r.notification_level === MUTED && !mentioned.has(r.user_id)) reasons.delete(r.user_id);
  return withChannels(db, reasons);
}

async function membersOf(db: Kysely<DB>, groupIds: number[]): Promise<number[]> {
  if (groupIds.length === 0) return [];
  return (await db.selectFrom('group_users').select('user_id').where('group_id', 'in', groupIds).execute()).map((r) => r.user_id);
}

async function withChannels(db: Kysely<DB>, reasons: Map<number, { kind: Kind; high: boolean }>): Promise<NotificationDispatch[]> {
  const ids = [...reasons.keys()];
  if (ids.length === 0) return [];
  const options = new Map((await db.selectFrom('user_options').selectAll().where('user_id', 'in', ids).execute()).map((o) => [o.user_id, o]));
  return ids.map((userId) => {
    const { kind, high } = reasons.get(userId)!;
    const option = EMAIL_OPTION[kind];
    const channels: NotificationChannel[] = ['web', 'live'];
    if (option && options.get(userId)?.[option] !== false) channels.push('email');
    return { userId, type: kind, channels, highPriority: high, reason: kind };
  });
}
