import { sql, type Kysely, type QueryCreator } from 'kysely';
import type { DB } from '../db/schema.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';
import type { Topic } from './topics.table.ts';

export const TOPIC_COLUMNS = ['topics.id', 'topics.title', 'topics.slug', 'topics.archetype', 'topics.category_id', 'topics.user_id',
  'topics.closed', 'topics.archived', 'topics.visible', 'topics.excerpt', 'topics.created_at', 'topics.bumped_at', 'topics.last_posted_at',
  'topics.last_post_user_id', 'topics.posts_count', 'topics.highest_post_number', 'topics.highest_staff_post_number',
  'topics.deleted_at', 'topics.deleted_by_id'] as const;

/** A topic row as the viewer gets it: to anyone but staff, counters that leave whispers out (not even their number shows). */
export const countersFor = (viewer: Viewer, topic: Topic): Topic => (isStaff(viewer) ? topic : { ...topic, highest_staff_post_number: topic.highest_post_number });

export const findTopic = (db: Kysely<DB>, id: number): Promise<Topic | undefined> =>
  db.selectFrom('topics').select(TOPIC_COLUMNS).where('id', '=', id).executeTakeFirst();

/** Locks the topic row for the rest of the transaction: post numbers are handed out under this lock. */
export const lockTopic = (db: Kysely<DB>, id: number): Promise<Topic | undefined> =>
  db.selectFrom('topics').select(TOPIC_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();

export const allowedUserIds = async (db: Kysely<DB>, topicId: number): Promise<number[]> =>
  (await db.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', topicId).execute()).map((r) => r.user_id);

export const allowedGroupIds = async (db: Kysely<DB>, topicId: number): Promise<number[]> =>
  (await db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topicId).execute()).map((r) => r.group_id);

export async function addAllowedUsers(db: Kysely<DB>, topicId: number, userIds: number[]): Promise<void> {
  if (userIds.length === 0) return;
  await db.insertInto('topic_allowed_users').values(userIds.map((user_id) => ({ topic_id: topicId, user_id })))
    .onConflict((oc) => oc.doNothing()).execute();
}

export async function addAllowedGroups(db: Kysely<DB>, topicId: number, groupIds: number[]): Promise<void> {
  if (groupIds.length === 0) return;
  await db.insertInto('topic_allowed_groups').values(groupIds.map((group_id) => ({ topic_id: topicId, group_id })))
    .onConflict((oc) => oc.doNothing()).execute();
}

/** Raises the user's read position and notification level, never lowers them. */
export interface TopicUserChange { lastRead?: number; level?: number; posted?: boolean; now: Date }

export async function upsertTopicUser(db: Kysely<DB>, userId: number, topicId: number, values: TopicUserChange): Promise<void> {
  await topicUserUpsert(db, userId, topicId, values).execute();
}

/** {@link upsertTopicUser}'s statement, unexecuted: a caller can run it as a CTE of another. */
export function topicUserUpsert(db: Pick<QueryCreator<DB>, 'insertInto'>, userId: number, topicId: number, values: TopicUserChange) {
  return db.insertInto('topic_users').values({
    user_id: userId, topic_id: topicId, last_read_post_number: values.lastRead ?? 0, notification_level: values.level ?? 1,
    posted: values.posted ?? false, first_visited_at: values.now, last_visited_at: values.now,
  }).onConflict((oc) => oc.columns(['user_id', 'topic_id']).doUpdateSet((eb) => ({
    last_read_post_number: eb.fn('greatest', [eb.ref('topic_users.last_read_post_number'), eb.ref('excluded.last_read_post_number')]),
    notification_level: values.level === undefined ? eb.ref('topic_users.notification_level') : eb.fn('greatest', [eb.ref('topic_users.notification_level'), eb.ref('excluded.notification_level')]),
    posted: sql<boolean>`topic_users.posted OR excluded.posted`,
    last_visited_at: eb.ref('excluded.last_visited_at'),
  })));
}

export function slugify(title: string): string {
  const slug = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  return slug || 'topic';
}
