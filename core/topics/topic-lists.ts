import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { TopicListName, TopicPredicate } from '../hooks/hook-types.ts';
import type { Archetype } from './topics.table.ts';
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
  /** Every list holds one archetype: regular topics, or private messages. */
  archetype: Archetype;
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
    const visible = await guardian.topicPredicate(viewer, { archetype: req.archetype });
    const extra = await hooks.filter('topic-list-query', [], { viewer, list: req.list, params: req.params ?? {} });
    const page = Math.max(0, Math.floor(req.page ?? 0));
    const userId = viewer.id ?? -1;
    const highest = isStaff(viewer) ? 'topics.highest_staff_post_number' : 'topics.highest_post_number';
    let q = db.selectFrom('topics')
      .leftJoin('topic_users as tu', (j) => j.onRef('tu.topic_id', '=', 'topics.id').on('tu.user_id', '=', userId))
      .select(['topics.id', 'topics.title', 'topics.slug', 'topics.archetype', 'topics.category_id', 'topics.excerpt', 'topics.closed',
        'topics.archived', 'topics.posts_count', `${highest} as highest_post_number` as 'topics.highest_post_number', 'topics.created_at', 'topics.bumped_at',
        'topics.last_posted_at', 'topics.last_post_user_id', 'topics.user_id', 'tu.last_read_post_number'])
      .where('topics.archetype', '=', req.archetype)
      .where(visible);
    for (const w of [...req.where, ...extra]) q = q.where((eb) => w(eb as unknown as ExpressionBuilder<DB, 'topics'>));
    const rows = await q.orderBy('topics.bumped_at', 'desc').orderBy('topics.id', 'desc').limit(PER_PAGE + 1).offset(page * PER_PAGE).execute();
    const page0 = rows.slice(0, PER_PAGE);
    const names = await usernames(db, page0.flatMap((r) => [r.last_post_user_id, r.user_id]));
    return { topics: page0.map((r) => toItem(r, names)), page, more: rows.length > PER_PAGE };
  }

  latest(viewer: Viewer, page?: number) {
    return this.list(viewer, { list: 'latest', archetype: 'regular', page, where: [] });
  }

  category(viewer: Viewer, categoryId: number, page?: number) {
    return this.list(viewer, { list: 'category', archetype: 'regular', page, params: { categoryId: String(categoryId) }, where: [(eb) => eb('topics.category_id', '=', categoryId)] });
  }

  /** Messages the user takes part in directly (not through a group). */
  inbox(viewer: Viewer & { id: number }, page?: number) {
    return this.list(viewer, { list: 'inbox', archetype: 'private_message', page, where: [(eb) => eb.exists(
      eb.selectFrom('topic_allowed_users').select(sql`1`.as('one')).whereRef('topic_allowed_users.topic_id', '=', 'topics.id').where('topic_allowed_users.user_id', '=', viewer.id))] });
  }

  sent(viewer: Viewer & { id: number }, page?: number) {
    return this.list(viewer, { list: 'sent', archetype: 'private_message', page, where: [(eb) => eb('topics.user_id', '=', viewer.id)] });
  }

  /** Messages to a group (the group inbox); visible only to those who may see them. */
  group(viewer: Viewer, groupId: number, page?: number, params: Record<string, string | undefined> = {}) {
    return this.list(viewer, { list: 'group', archetype: 'private_message', page, params: { ...params, groupId: String(groupId) }, where: [(eb) => eb.exists(
      eb.selectFrom('topic_allowed_groups').select(sql`1`.as('one')).whereRef('topic_allowed_groups.topic_id', '=', 'topics.id').where('topic_allowed_groups.group_id', '=', groupId))] });
  }
}

/** One primary-key lookup for a page's names: cheaper to plan than two joins on every list. */
async function usernames(db: Kysely<DB>, ids: (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'username']).where('id', '=', sql<number>`any(${wanted}::int[])`).execute();
  return new Map(rows.map((r) => [r.id, r.username]));
}

function toItem(r: Record<string, any>, names: Map<number, string>): TopicListItem {
  const lastRead = r.last_read_post_number ?? null;
  return {
    id: r.id, title: r.title, slug: r.slug, archetype: r.archetype, categoryId: r.category_id, excerpt: r.excerpt,
    closed: r.closed, archived: r.archived, postsCount: r.posts_count, highestPostNumber: r.highest_post_number,
    createdAt: r.created_at, bumpedAt: r.bumped_at, lastPostedAt: r.last_posted_at,
    lastPoster: names.get(r.last_post_user_id) ?? null, author: names.get(r.user_id) ?? null,
    lastReadPostNumber: lastRead, unreadCount: lastRead === null ? 0 : Math.max(0, r.highest_post_number - lastRead), isNew: lastRead === null,
  };
}
