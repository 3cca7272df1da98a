import type { ExpressionBuilder, Kysely } from 'kysely';
import { Permission } from '../categories/categories.table.ts';
import { inTransaction, type Work } from '../db/unit-of-work.ts';
import type { DB } from '../db/schema.ts';
import { badInput, forbidden, parleyError } from '../errors.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { Guardian } from '../permissions/guardian.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';
import { audienceAllows } from '../posts/mentions.ts';
import { POST_COLUMNS } from '../posts/posts.repo.ts';
import type { NewPost, PostsService } from '../posts/posts.service.ts';
import { PostType, type Post } from '../posts/posts.table.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { signalVisibilityChanged } from '../realtime/live-hub.ts';
import * as repo from './topics.repo.ts';
import type { Topic } from './topics.table.ts';

export interface NewTopic extends NewPost { title: string; categoryId?: number | null }
export interface NewMessage extends NewPost {
  title: string;
  /** Usernames (or, for staff and mail, user ids) to include. */
  usernames?: string[];
  userIds?: number[];
  groupNames?: string[];
  groupIds?: number[];
}

export interface TopicView {
  topic: Topic;
  posts: (Post & { username: string | null; name: string | null })[];
  participants: { userIds: number[]; groupIds: number[] };
  readState: { lastReadPostNumber: number; notificationLevel: number } | null;
}

type Deps = { db: Kysely<DB>; hooks: Hooks; guardian: Guardian; bus: EventBus; posts: PostsService; now: () => Date };

export const MIN_TITLE = 3;
export const MAX_TITLE = 255;

export class TopicsService {
  constructor(private readonly deps: Deps) {}

  async createTopic(viewer: Viewer, input: NewTopic): Promise<{ topic: Topic; post: Post }> {
    if (viewer.id === null) throw parleyError('UNAUTHENTICATED', 'Log in to start a topic.');
    const title = validTitle(input.title, input.skipValidations);
    if (input.categoryId != null) await this.ensureCanCreateIn(viewer, input.categoryId);
    else if (!isStaff(viewer)) throw badInput('Pick a category for the new topic.', { field: 'categoryId' });
    return inTransaction(this.deps, (work) => this.insertWithFirstPost(work, viewer, { ...input, title }, 'regular'));
  }

  /** A private message to users and/or groups; the author is always a participant. */
  async createMessage(viewer: Viewer, input: NewMessage): Promise<{ topic: Topic; post: Post }> {
    if (viewer.id === null) throw parleyError('UNAUTHENTICATED', 'Log in to send a message.');
    const title = validTitle(input.title, input.skipValidations);
    return inTransaction(this.deps, async (work) => {
      const userIds = await this.resolveRecipients(work.trx, viewer, input);
      const groupIds = await this.resolveGroups(work.trx, viewer, input);
      if (userIds.length === 0 && groupIds.length === 0) throw badInput('Add at least one recipient: a user or a group.', { field: 'recipients' });
      const created = await this.insertWithFirstPost(work, viewer, { ...input, title }, 'private_message', async (topic) => {
        await repo.addAllowedUsers(work.trx, topic.id, [viewer.id!, ...userIds]);
        await repo.addAllowedGroups(work.trx, topic.id, groupIds);
      });
      return created;
    });
  }

  /**
   * The shared part of every new topic: the row, the participants (before the first post, so its
   * notifications see them), then the first post.
   */
  async insertWithFirstPost(work: Work, author: Viewer, input: NewTopic, archetype: Topic['archetype'], beforeFirstPost?: (t: Topic) => Promise<void>): Promise<{ topic: Topic; post: Post }> {
    const now = input.createdAt ?? this.deps.now();
    const inserted = await work.trx.insertInto('topics').values({
      title: input.title, slug: repo.slugify(input.title), archetype, category_id: archetype === 'regular' ? input.categoryId ?? null : null,
      user_id: author.id, created_at: now, bumped_at: now, last_posted_at: null, last_post_user_id: null, deleted_at: null, deleted_by_id: null,
    }).returning(repo.TOPIC_COLUMNS).executeTakeFirstOrThrow();
    await beforeFirstPost?.(inserted);
    return this.deps.posts.createIn(work, inserted, author, { ...input, replyToPostNumber: null });
  }

  /** A topic with one page of the posts the viewer may see, and the viewer's read state. */
  async view(viewer: Viewer, topicId: number, page: { afterPostNumber?: number; limit?: number } = {}): Promise<TopicView> {
    const { db, guardian } = this.deps;
    await guardian.ensureCanSeeTopic(db, viewer, topicId);
    const topic = (await repo.findTopic(db, topicId))!;
    const visible = await guardian.postPredicate(viewer);
    const posts = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').leftJoin('users', 'users.id', 'posts.user_id')
      .select([...POST_COLUMNS, 'users.username', 'users.name'])
      .where('posts.topic_id', '=', topicId).where('posts.post_number', '>', page.afterPostNumber ?? 0)
      .where((eb) => visible(eb as ExpressionBuilder<DB, 'posts' | 'topics'>))
      .orderBy('posts.post_number').limit(Math.min(page.limit ?? 20, 100)).execute();
    const [userIds, groupIds] = topic.archetype === 'private_message'
      ? await Promise.all([repo.allowedUserIds(db, topicId), repo.allowedGroupIds(db, topicId)]) : [[], []];
    const state = viewer.id === null ? undefined : await db.selectFrom('topic_users').select(['last_read_post_number', 'notification_level'])
      .where('user_id', '=', viewer.id).where('topic_id', '=', topicId).executeTakeFirst();
    return {
      topic: repo.countersFor(viewer, topic),
      posts, participants: { userIds, groupIds },
      readState: viewer.id === null ? null : { lastReadPostNumber: state?.last_read_post_number ?? 0, notificationLevel: state?.notification_level ?? 1 },
    };
  }

  /** Records that the viewer has read up to `postNumber` (never moves backwards). */
  async markRead(viewer: Viewer, topicId: number, postNumber: number): Promise<void> {
    if (viewer.id === null) throw parleyError('UNAUTHENTICATED', 'Log in to keep track of what you have read.');
    await this.deps.guardian.ensureCanSeeTopic(this.deps.db, viewer, topicId);
    await repo.upsertTopicUser(this.deps.db, viewer.id, topicId, { lastRead: postNumber, now: this.deps.now() });
    await this.deps.bus.publish(`/user/${viewer.id}/read`, { type: 'read', topicId, postNumber }, { userIds: [viewer.id] });
  }

  async setNotificationLevel(viewer: Viewer, topicId: number, level: number): Promise<void> {
    if (viewer.id === null) throw parleyError('UNAUTHENTICATED', 'Log in to watch topics.');
    if (![0, 1, 2, 3].includes(level)) throw badInput('Notification levels are 0 (muted), 1 (normal), 2 (tracking) or 3 (watching).');
    await this.deps.guardian.ensureCanSeeTopic(this.deps.db, viewer, topicId);
    await this.deps.db.insertInto('topic_users').values({ user_id: viewer.id, topic_id: topicId, notification_level: level, first_visited_at: null, last_visited_at: null })
      .onConflict((oc) => oc.columns(['user_id', 'topic_id']).doUpdateSet({ notification_level: level })).execute();
  }

  /** Close/open or archive/unarchive; staff only. Recorded as a small action in the topic. */
  async setStatus(viewer: Viewer, topicId: number, status: 'closed' | 'archived', value: boolean): Promise<Topic> {
    await this.deps.guardian.ensureCanSeeTopic(this.deps.db, viewer, topicId);
    if (!isStaff(viewer)) throw forbidden(`Only staff can ${value ? '' : 'un'}${status === 'closed' ? 'close' : 'archive'} topics.`);
    return inTransaction(this.deps, async (work) => {
      const topic = (await repo.lockTopic(work.trx, topicId))!;
      if (topic[status] === value) return topic;
      await work.trx.updateTable('topics').set({ [status]: value }).where('id', '=', topicId).execute();
      const locked = (await repo.findTopic(work.trx, topicId))!;
      await this.deps.posts.create(work, locked, viewer, { raw: `${status}.${value ? 'enabled' : 'disabled'}`, postType: PostType.smallAction, actionCode: `${status}.${value ? 'enabled' : 'disabled'}`, skipValidations: true });
      await this.deps.bus.publish(`/topic/${topicId}`, { type: 'status', topicId, status, value }, { topicId, db: work.trx });
      return (await repo.findTopic(work.trx, topicId))!;
    });
  }

  /**
   * Staff move a private message into a category as a regular topic (a support case worth sharing).
   * The participants and groups stop being its audience: the category's permissions decide from
   * now on. Whispers stay whispers, hidden as before; a small action records the move.
   */
  async makePublic(viewer: Viewer, topicId: number, categoryId: number): Promise<Topic> {
    await this.deps.guardian.ensureCanSeeTopic(this.deps.db, viewer, topicId);
    if (!isStaff(viewer)) throw forbidden('Only staff can make a message public.');
    const category = await this.deps.db.selectFrom('categories').select('id').where('id', '=', categoryId).executeTakeFirst();
    if (!category) throw badInput('Choose a category that exists.', { field: 'categoryId' });
    return inTransaction(this.deps, async (work) => {
      const topic = (await repo.lockTopic(work.trx, topicId))!;
      if (topic.archetype !== 'private_message') throw badInput('This is already a public topic.');
      await work.trx.updateTable('topics').set({ archetype: 'regular', category_id: categoryId }).where('id', '=', topicId).execute();
      await work.trx.deleteFrom('topic_allowed_users').where('topic_id', '=', topicId).execute();
      await work.trx.deleteFrom('topic_allowed_groups').where('topic_id', '=', topicId).execute();
      const moved = (await repo.findTopic(work.trx, topicId))!;
      await this.deps.posts.create(work, moved, viewer, { raw: 'public_topic', postType: PostType.smallAction, actionCode: 'public_topic', skipValidations: true });
      await signalVisibilityChanged(this.deps.bus, { topicId }, work.trx);
      return (await repo.findTopic(work.trx, topicId))!;
    });
  }

  /** Throws unless the viewer may start topics in the category. */
  /**
   * Adds people to a private message (inside the caller's transaction, `db`): they see it from
   * then on, and hear of its posts as participants.
   */
  async addParticipants(db: Kysely<DB>, topicId: number, userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    await repo.addAllowedUsers(db, topicId, userIds);
    await signalVisibilityChanged(this.deps.bus, { topicId }, db);
  }

  async ensureCanCreateIn(viewer: Viewer, categoryId: number, db: Kysely<DB> = this.deps.db): Promise<void> {
    // Whether the category exists and whether one of the viewer's groups may start topics in it, in one query.
    const category = await db.selectFrom('categories').select('id')
      .select((eb) => eb.exists(eb.selectFrom('category_groups').select('permission').whereRef('category_groups.category_id', '=', 'categories.id')
        .where('group_id', 'in', [...viewer.groupIds]).where('permission', '=', Permission.create)).as('may_create'))
      .where('id', '=', categoryId).executeTakeFirst();
    if (!category) throw badInput(`There is no category ${categoryId}.`, { field: 'categoryId' });
    if (!isStaff(viewer) && !category.may_create) throw forbidden('You cannot start topics in this category.');
  }

  private async resolveRecipients(db: Kysely<DB>, viewer: Viewer, input: NewMessage): Promise<number[]> {
    const ids = new Set(input.userIds ?? []);
    const names = (input.usernames ?? []).map((n) => n.trim().toLowerCase()).filter(Boolean);
    if (names.length) {
      const found = await db.selectFrom('users').select(['id', 'username_lower', 'staged']).where('username_lower', 'in', names).execute();
      const missing = names.filter((n) => !found.some((u) => u.username_lower === n && !u.staged));
      if (missing.length) throw badInput(`No user named ${missing.join(', ')}.`, { field: 'usernames' });
      for (const u of found) ids.add(u.id);
    }
    ids.delete(viewer.id!);
    return [...ids];
  }

  private async resolveGroups(db: Kysely<DB>, viewer: Viewer, input: NewMessage): Promise<number[]> {
    const names = (input.groupNames ?? []).map((n) => n.trim().toLowerCase()).filter(Boolean);
    const byName = names.length ? await db.selectFrom('groups').select(['id', 'name', 'name_lower', 'messageable']).where('name_lower', 'in', names).execute() : [];
    const missing = names.filter((n) => !byName.some((g) => g.name_lower === n));
    if (missing.length) throw badInput(`No group named ${missing.join(', ')}.`, { field: 'groupNames' });
    for (const g of byName) {
      if (!audienceAllows(g.messageable, viewer, g.id)) throw forbidden(`The group ${g.name} does not accept messages from you.`);
    }
    return [...new Set([...byName.map((g) => g.id), ...(input.groupIds ?? [])])];
  }
}

function validTitle(title: string, lenient = false): string {
  const t = (title ?? '').replace(/\s+/g, ' ').trim();
  if (!lenient && t.length < MIN_TITLE) throw badInput(`Titles need at least ${MIN_TITLE} characters.`, { field: 'title' });
  if (t.length === 0) return '(no subject)';
  return t.slice(0, MAX_TITLE);
}

