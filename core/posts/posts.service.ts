import type { Kysely, QueryCreator } from 'kysely';
import { inTransaction, inTransactionWithin, type Work } from '../db/unit-of-work.ts';
import type { DB } from '../db/schema.ts';
import { badInput, forbidden, notFound, parleyError } from '../errors.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import type { Guardian } from '../permissions/guardian.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import * as topicsRepo from '../topics/topics.repo.ts';
import type { Topic } from '../topics/topics.table.ts';
import { cook, excerpt } from './cook.ts';
import { resolveMentions } from './mentions.ts';
import { findPost, findPostByNumber } from './posts.repo.ts';
import { PostType, type Post, type PostTypeId, type PostVia } from './posts.table.ts';

export const MIN_POST_LENGTH = 2;
export const MAX_POST_LENGTH = 64_000;

export interface NewPost {
  raw: string;
  postType?: PostTypeId;
  replyToPostNumber?: number | null;
  via?: PostVia;
  actionCode?: string | null;
  /** Mail skips the web's validations (minimum length…). */
  skipValidations?: boolean;
  /**
   * A reply as a whisper (for those who may see whispers only). Left out, a reply to a whisper is
   * one too; `false` answers a whisper out loud.
   */
  whisper?: boolean;
  createdAt?: Date;
  /**
   * Where the writer's draft started (the last post they had seen, and when). Given, the reply is
   * refused with a conflict listing what happened since (`reply-conflicts`), so they review it first.
   */
  draft?: DraftBase;
}

/** The state of a topic a reply's draft was written against. */
export interface DraftBase { seenPostNumber: number; startedAt: Date }

/** Something that happened in a topic after a draft started, that its writer should see before sending. */
export interface ReplyConflict {
  /** 'author-wrote' (whoever started the topic, the customer of a support message), 'replied', 'whispered', or a plugin's ('taken'). */
  kind: string;
  /** What happened, in a sentence: "Jane Doe wrote again." */
  message: string;
  at: Date;
  postNumber?: number;
  userId?: number | null;
}

type Deps = { db: Kysely<DB>; hooks: Hooks; guardian: Guardian; bus: EventBus; notifications: NotificationsService; now: () => Date };

export class PostsService {
  constructor(private readonly deps: Deps) {}

  /** A reply from a viewer, with the guardian's say on whether they may reply here. */
  async reply(viewer: Viewer, topicId: number, input: NewPost): Promise<Post> {
    if (viewer.id === null) throw parleyError('UNAUTHENTICATED', 'Log in to reply.');
    await this.deps.guardian.ensureCanSeeTopic(this.deps.db, viewer, topicId);
    return inTransaction(this.deps, async (work) => {
      const topic = await topicsRepo.lockTopic(work.trx, topicId);
      if (!topic) throw notFound('That topic');
      await this.ensureCanReply(work.trx, viewer, topic);
      if (input.draft) await this.ensureNothingNewSince(work.trx, viewer, topic, input.draft);
      const whisper = await this.whisperWanted(work.trx, viewer, topic, input);
      return this.create(work, topic, viewer, whisper ? { ...input, postType: PostType.whisper } : input);
    });
  }

  /**
   * Records something that happened to a topic as a small action ("Sam took this message"), with
   * `text` as its words. `staffOnly` makes it a whisper-type action: only those who may read
   * whispers see it (staff, and with the whispers plugin the message's team). No one is notified.
   */
  async addSmallAction(actor: Viewer, topicId: number, input: { actionCode: string; text: string; staffOnly?: boolean }, db?: Kysely<DB>): Promise<Post> {
    return inTransactionWithin(this.deps, db, async (work) => {
      const topic = await topicsRepo.lockTopic(work.trx, topicId);
      if (!topic) throw notFound('That topic');
      return this.create(work, topic, actor, { raw: input.text, postType: input.staffOnly ? PostType.whisper : PostType.smallAction, actionCode: input.actionCode, skipValidations: true });
    });
  }

  /**
   * What happened in a topic since a draft started, as its writer may see it: posts by others (the
   * topic's author writing again first), then what plugins add (`reply-conflicts`: assign reports
   * a colleague taking the message). Small actions are no one's words and are left to plugins.
   */
  async conflictsSince(db: Kysely<DB>, viewer: Viewer, topic: Topic, draft: DraftBase): Promise<ReplyConflict[]> {
    const visible = await this.deps.guardian.postPredicate(viewer);
    const rows = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').leftJoin('users', 'users.id', 'posts.user_id')
      .select(['posts.post_number', 'posts.user_id', 'posts.post_type', 'posts.created_at', 'users.username', 'users.name'])
      .where('posts.topic_id', '=', topic.id).where('posts.post_number', '>', draft.seenPostNumber)
      .where('posts.action_code', 'is', null).where('posts.post_type', 'in', [PostType.regular, PostType.whisper])
      .where((eb) => eb.or([eb('posts.user_id', 'is', null), eb('posts.user_id', '!=', viewer.id ?? -1)]))
      .where((eb) => visible(eb as never)).orderBy('posts.post_number').limit(20).execute();
    const conflicts: ReplyConflict[] = rows.map((r) => {
      const who = r.name || r.username || 'Someone';
      const [kind, message] = r.post_type === PostType.whisper ? ['whispered', `${who} whispered to the team.`]
        : r.user_id !== null && r.user_id === topic.user_id ? ['author-wrote', `${who} wrote again.`] : ['replied', `${who} replied.`];
      return { kind, message, at: r.created_at, postNumber: r.post_number, userId: r.user_id };
    });
    return this.deps.hooks.filter('reply-conflicts', conflicts, { viewer, topic, draft, trx: db });
  }

  /** Refuses a reply (409, the conflicts in its details) when something happened since its draft started. */
  private async ensureNothingNewSince(db: Kysely<DB>, viewer: Viewer, topic: Topic, draft: DraftBase): Promise<void> {
    const conflicts = await this.conflictsSince(db, viewer, topic, draft);
    if (conflicts.length === 0) return;
    throw parleyError('CONFLICT', `Since you started this reply: ${conflicts.map((c) => c.message).join(' ')} Review it, then send again.`,
      { details: { conflicts: conflicts.map((c) => ({ ...c, at: c.at.toISOString() })) } });
  }

  /**
   * Whether the viewer may whisper in this topic: nobody, unless a plugin says so (`can-whisper`;
   * the whispers plugin lets staff, and the members of a message's groups, whisper).
   */
  async canWhisper(viewer: Viewer, topic: Topic, db: Kysely<DB> = this.deps.db): Promise<boolean> {
    if (viewer.id === null) return false;
    return this.deps.hooks.filter('can-whisper', false, { viewer, topic, trx: db });
  }

  private async whisperWanted(db: Kysely<DB>, viewer: Viewer, topic: Topic, input: NewPost): Promise<boolean> {
    if (input.whisper === false) return false;
    if (input.whisper === true) {
      if (!(await this.canWhisper(viewer, topic, db))) throw forbidden('You cannot whisper here: only staff and the team of this message can.');
      return true;
    }
    if (!input.replyToPostNumber) return false;
    const parent = await db.selectFrom('posts').select('post_type').where('topic_id', '=', topic.id).where('post_number', '=', input.replyToPostNumber).executeTakeFirst();
    return parent?.post_type === PostType.whisper && await this.canWhisper(viewer, topic, db);
  }

  /**
   * Writes a post into a locked topic, updates the topic's counters and the author's read state,
   * notifies, and queues `message-created` (and `topic-created` for a first post).
   */
  async create(work: Work, topic: Topic, author: Viewer, input: NewPost): Promise<Post> {
    return (await this.createIn(work, topic, author, input)).post;
  }

  /** {@link create}, answering the topic as the new post left it too (its counters, excerpt and last poster). */
  async createIn(work: Work, topic: Topic, author: Viewer, input: NewPost): Promise<{ topic: Topic; post: Post }> {
    const raw = input.raw.trim();
    if (!input.skipValidations) validateRaw(raw);
    const postType = input.postType ?? PostType.regular;
    const mentions = postType === PostType.smallAction ? { resolved: new Map(), userIds: [], groupIds: [] } : await resolveMentions(work.trx, raw, author);
    const now = input.createdAt ?? this.deps.now();
    const post = await work.trx.insertInto('posts').values({
      topic_id: topic.id, user_id: author.id, post_number: topic.highest_staff_post_number + 1, raw, cooked: cook(raw, mentions),
      post_type: postType, action_code: input.actionCode ?? null, reply_to_post_number: input.replyToPostNumber ?? null,
      via: input.via ?? 'web', created_at: now, updated_at: now, deleted_at: null, deleted_by_id: null,
    }).returning(['id', 'topic_id', 'user_id', 'post_number', 'raw', 'cooked', 'post_type', 'action_code', 'reply_to_post_number', 'via', 'version', 'created_at', 'updated_at', 'deleted_at', 'deleted_by_id'])
      .executeTakeFirstOrThrow();
    // The author has read up to their own post (and tracks the topic once they write in it), written with the topic's counters.
    const readState = author.id === null ? null : { userId: author.id, change: { lastRead: post.post_number, level: postType === PostType.smallAction ? undefined : 2, posted: true, now } };
    const updated = await this.updateTopicStats(work, topic, post, readState);
    await this.deps.notifications.notifyPost(work, { topic: updated, post, actorId: author.id, mentionedUserIds: mentions.userIds, mentionedGroupIds: mentions.groupIds });
    await this.deps.bus.publish(`/topic/${topic.id}`, { type: 'post-created', topicId: topic.id, postId: post.id, postNumber: post.post_number, postType: post.post_type, userId: author.id },
      { topicId: topic.id, db: work.trx });
    const isFirstPost = post.post_number === 1;
    work.emit('message-created', { topic: updated, post, archetype: updated.archetype, via: post.via, isFirstPost });
    if (isFirstPost) work.emit('topic-created', { topic: updated, firstPost: post });
    return { topic: updated, post };
  }

  /** Edits a post's text, keeping the previous version as a revision. */
  async edit(viewer: Viewer, postId: number, raw: string): Promise<Post> {
    const trimmed = raw.trim();
    validateRaw(trimmed);
    return inTransaction(this.deps, async (work) => {
      const post = await findPost(work.trx, postId);
      if (!post || !viewer.id || !(await this.deps.guardian.canSeePost(work.trx, viewer, postId))) throw notFound('That post');
      if (post.user_id !== viewer.id && !isStaff(viewer)) throw forbidden('Only the author or staff can edit this post.');
      const topic = (await topicsRepo.findTopic(work.trx, post.topic_id))!;
      if (topic.archived && !isStaff(viewer)) throw forbidden('This topic is archived; it can no longer be edited.');
      const mentions = await resolveMentions(work.trx, trimmed, viewer);
      const now = this.deps.now();
      const edited = await work.trx.updateTable('posts').set({ raw: trimmed, cooked: cook(trimmed, mentions), version: post.version + 1, updated_at: now })
        .where('id', '=', postId).returningAll().executeTakeFirstOrThrow();
      await work.trx.insertInto('post_revisions').values({ post_id: postId, user_id: viewer.id, number: post.version + 1, raw_before: post.raw, raw_after: trimmed }).execute();
      if (post.post_number === 1) await work.trx.updateTable('topics').set({ excerpt: excerpt(edited.cooked) }).where('id', '=', topic.id).execute();
      await this.deps.bus.publish(`/topic/${topic.id}`, { type: 'post-edited', topicId: topic.id, postId, postNumber: post.post_number, postType: post.post_type }, { topicId: topic.id, db: work.trx });
      const { search_vector: _sv, ...plain } = edited;
      work.emit('post-edited', { topic, post: plain, editorId: viewer.id, rawBefore: post.raw });
      return plain;
    });
  }

  async findVisible(viewer: Viewer, topicId: number, postNumber: number): Promise<Post> {
    const post = await findPostByNumber(this.deps.db, topicId, postNumber);
    if (!post || !(await this.deps.guardian.canSeePost(this.deps.db, viewer, post.id))) throw notFound('That post');
    return post;
  }

  /** Throws FORBIDDEN unless the viewer may reply in this (visible) topic: open, and a category that allows replies. */
  async ensureCanReply(db: Kysely<DB>, viewer: Viewer, topic: Topic): Promise<void> {
    if (isStaff(viewer)) return;
    if (topic.closed || topic.archived) throw forbidden(`This topic is ${topic.archived ? 'archived' : 'closed'}; new replies are off.`);
    if (topic.archetype === 'private_message') return; // seeing a message is being part of it
    if (topic.category_id === null) return;
    const row = await db.selectFrom('category_groups').select('permission').where('category_id', '=', topic.category_id)
      .where('group_id', 'in', [...viewer.groupIds]).where('permission', '<=', 2).executeTakeFirst();
    if (!row) throw forbidden('You can read this category but not reply in it.');
  }

  /** Whispers and small actions move only the staff counters; everything else moves the public ones too. */
  private async updateTopicStats(work: Work, topic: Topic, post: Post, readState: { userId: number; change: topicsRepo.TopicUserChange } | null): Promise<Topic> {
    const publicPost = post.post_type !== PostType.whisper;
    const counts = post.post_type === PostType.regular;
    const db: QueryCreator<DB> = readState
      // A CTE touching another table: both writes are one statement, one round trip.
      ? work.trx.with('read_state', (q) => topicsRepo.topicUserUpsert(q, readState.userId, topic.id, readState.change)) as unknown as QueryCreator<DB>
      : work.trx;
    const updated = await db.updateTable('topics').set({
      highest_staff_post_number: post.post_number,
      ...(publicPost ? { highest_post_number: post.post_number } : {}),
      ...(counts ? { posts_count: topic.posts_count + 1, last_posted_at: post.created_at, last_post_user_id: post.user_id, bumped_at: post.created_at } : {}),
      ...(post.post_number === 1 ? { excerpt: excerpt(post.cooked) } : {}),
    }).where('id', '=', topic.id).returning(topicsRepo.TOPIC_COLUMNS).executeTakeFirstOrThrow();
    return updated;
  }
}

function validateRaw(raw: string): void {
  if (raw.length < MIN_POST_LENGTH) throw badInput(`Posts need at least ${MIN_POST_LENGTH} characters.`, { field: 'raw' });
  if (raw.length > MAX_POST_LENGTH) throw badInput(`Posts can hold at most ${MAX_POST_LENGTH} characters.`, { field: 'raw' });
}
