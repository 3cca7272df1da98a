import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { TopicListName, TopicPredicate } from '../hooks/hook-types.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { Guardian } from '../permissions/guardian.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';

export const PER_PAGE = 30;

export interface TopicListItem {
  id: number; title: string; slug: string; archetype: string; categoryId: number | null; excerpt: string;
  closed: boolean; archived: boolean; postsCount: number; highestPostNumber: number;
  createdAt: Date; bumpedAt: Date; lastPostedAt: Date | null; lastPoster: string | null; author: string | null;
  /** null when the viewer has never opened the topic. */
  lastReadPostNumber: number | null;
  unreadCount: number;
  isNew: boolean;
}

export interface ListRequest {
  list: TopicListName;
  page?: number;
  params?: Record<string, string | undefined>;
  /** Conditions the list itself imposes (category, inbox, group…). */
  where: TopicPredicate[];
}

/** Every topic list: the guardian's condition, the list's own, then the plugins' (`topic-list-query`). */
export class TopicLists {
  constructor(private readonly deps: { db: Kysely<DB>; hooks: Hooks; guardian: Guardian }) {}

  async list(viewer: Viewer, req: ListRequest): Promise<{ topics: TopicListItem[]; page: number; more: boolean }> {
    const { db, hooks, guardian } = this.deps;
    const visible = await guardian.topicPredicate(viewer);
    const extra = await hooks.filter('topic-list-query', [], { viewer, list: req.list, params: req.params ?? {} });
    const page = Math.max(0, Math.floor(req.page ?? 0));
    const userId = viewer.id ?? -1;
    const highest = isStaff(viewer) ? 'topics.highest_staff_post_number' : 'topics.highest_post_number';
    let q = db.selectFrom('topics')
      .leftJoin('topic_users as tu', (j) => j.onRef('tu.topic_id', '=', 'topics.id').on('tu.user_id', '=', userId))
      .leftJoin('users as last', 'last.id', 'topics.last_post_user_id')
      .leftJoin('users as author', 'author.id', 'topics.user_id')
      .select(['topics.id', 'topics.title', 'topics.slug', 'topics.archetype', 'topics.category_id', 'topics.excerpt', 'topics.closed',
        'topics.archived', 'topics.posts_count', `${highest} as highest_post_number` as 'topics.highest_post_number', 'topics.created_at', 'topics.bumped_at',
        'topics.last_posted_at', 'last.username as last_poster', 'author.username as author', 'tu.last_read_post_number'])
      .where(visible);
    for (const w of [...req.where, ...extra]) q = q.where((eb) => w(eb as unknown as ExpressionBuilder<DB, 'topics'>));
    const rows = await q.orderBy('topics.bumped_at', 'desc').orderBy('topics.id', 'desc').limit(PER_PAGE + 1).offset(page * PER_PAGE).execute();
    return { topics: rows.slice(0, PER_PAGE).map(toItem), page, more: rows.length > PER_PAGE };
  }

  latest(viewer: Viewer, page?: number) {
    return this.list(viewer, { list: 'latest', page, where: [(eb) => eb('topics.archetype', '=', 'regular')] });
  }

  category(viewer: Viewer, categoryId: number, page?: number) {
    return this.list(viewer, { list: 'category', page, params: { categoryId: String(categoryId) }, where: [
      (eb) => eb('topics.archetype', '=', 'regular'), (eb) => eb('topics.category_id', '=', categoryId)] });
  }

  /** Messages the user takes part in directly (not through a group). */
  inbox(viewer: Viewer & { id: number }, page?: number) {
    return this.list(viewer, { list: 'inbox', page, where: [(eb) => eb('topics.archetype', '=', 'private_message'), (eb) => eb.exists(
      eb.selectFrom('topic_allowed_users').select(sql`1`.as('one')).whereRef('topic_allowed_users.topic_id', '=', 'topics.id').where('topic_allowed_users.user_id', '=', viewer.id))] });
  }

  sent(viewer: Viewer & { id: number }, page?: number) {
    return this.list(viewer, { list: 'sent', page, where: [(eb) => eb('topics.archetype', '=', 'private_message'), (eb) => eb('topics.user_id', '=', viewer.id)] });
  }

  /** Messages to a group (the group inbox); visible only to those who may see them. */
  group(viewer: Viewer, groupId: number, page?: number, params: Record<string, string | undefined> = {}) {
    return this.list(viewer, { list: 'group', page, params: { ...params, groupId: String(groupId) }, where: [(eb) => eb('topics.archetype', '=', 'private_message'), (eb) => eb.exists(
      eb.selectFrom('topic_allowed_groups').select(sql`1`.as('one')).whereRef('topic_allowed_groups.topic_id', '=', 'topics.id').where('topic_allowed_groups.group_id', '=', groupId))] });
  }
}

function toItem(r: Record<string, any>): TopicListItem {
  const lastRead = r.last_read_post_number ?? null;
  return {
    id: r.id, title: r.title, slug: r.slug, archetype: r.archetype, categoryId: r.category_id, excerpt: r.excerpt,
    closed: r.closed, archived: r.archived, postsCount: r.posts_count, highestPostNumber: r.highest_post_number,
    createdAt: r.created_at, bumpedAt: r.bumped_at, lastPostedAt: r.last_posted_at, lastPoster: r.last_poster, author: r.author,
    lastReadPostNumber: lastRead, unreadCount: lastRead === null ? 0 : Math.max(0, r.highest_post_number - lastRead), isNew: lastRead === null,
  };
}
