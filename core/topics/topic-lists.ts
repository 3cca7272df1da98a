import { expressionBuilder, sql, type Kysely } from 'kysely';
import { executePrepared } from '../db/prepared.ts';
import type { DB } from '../db/schema.ts';
import type { TopicListName, TopicPredicate } from '../hooks/hook-types.ts';
import type { Archetype } from './topics.table.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { Guardian } from '../permissions/guardian.ts';
import type { Viewer } from '../permissions/viewer.ts';

export const PER_PAGE = 30;
const LITERAL_OFFSET_PAGES = 5;

export interface TopicListItem {
  id: number; title: string; slug: string; archetype: string; categoryId: number | null; excerpt: string;
  closed: boolean; archived: boolean; postsCount: number; highestPostNumber: number;
  createdAt: Date; bumpedAt: Date; lastPostedAt: Date | null; lastPoster: string | null; author: string | null; authorId: number | null;
  /** null when the viewer has never opened the topic. */
  lastReadPostNumber: number | null;
  unreadCount: number;
  isNew: boolean;
}

export interface TopicList { topics: TopicListItem[]; page: number; more: boolean }

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

  /** A page of the list, for pages and services: the same JSON the API sends, with its dates as Dates. */
  async list(viewer: Viewer, req: ListRequest): Promise<TopicList> {
    return JSON.parse(await this.listJson(viewer, req), (key, value) => (DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value));
  }

  /**
   * A page of the list as JSON text built by PostgreSQL, in the API's shape: the API sends it as
   * it comes, so no row is parsed, no date converted and nothing serialised in Node.
   */
  async listJson(viewer: Viewer, req: ListRequest): Promise<string> {
    const { db, hooks, guardian } = this.deps;
    const [visible, counted] = await Promise.all([guardian.topicPredicate(viewer, { archetype: req.archetype }), guardian.countedPostNumber(viewer)]);
    const extra = await hooks.filter('topic-list-query', [], { viewer, list: req.list, params: req.params ?? {} });
    const page = Math.max(0, Math.floor(req.page ?? 0));
    const eb = expressionBuilder<DB, 'topics'>();
    const condition = eb.and([visible, ...req.where, ...extra].map((w) => w(eb)));
    // What the plan hinges on is literal (archetype, page size, and the offset of the first pages,
    // where nearly all traffic is), so PostgreSQL settles on one generic plan per prepared
    // statement instead of planning every call: with a parameter for OFFSET it never does, since
    // a generic plan must assume a large one. Deeper pages pass the offset as a parameter rather
    // than take up a prepared statement each. Each row is the topic's ready list item with the
    // viewer's part appended, as text: the page is one round trip, and PostgreSQL builds no JSON
    // on the way (the list items are kept by a trigger when topics change). Everything but the
    // conditions is fixed text: this is the busiest query there is, and building it with the
    // query builder cost more CPU than PostgreSQL spends running it.
    const offset = page < LITERAL_OFFSET_PAGES ? sql.lit(page * PER_PAGE) : page * PER_PAGE;
    const rows = await executePrepared(db, sql<{ body: string }>`select '{"topics":[' || coalesce(string_agg(p.item, ',' order by p.n) filter (where p.n <= ${sql.lit(PER_PAGE)}), '')
      || '],"page":' || ${sql.lit(String(page))} || ',"more":' || (count(*) > ${sql.lit(PER_PAGE)})::text || '}' as body
      from (select row_number() over (order by t.bumped_at desc, t.id desc) as n, ${ITEM} as item
        from (select topics.id, topics.bumped_at, topics.list_item, ${counted} as highest_post_number, tu.last_read_post_number from topics
          left join topic_users tu on tu.topic_id = topics.id and tu.user_id = ${viewer.id ?? -1}
          where topics.archetype = ${sql.lit(req.archetype)} and ${condition}
          order by topics.bumped_at desc, topics.id desc limit ${sql.lit(PER_PAGE + 1)} offset ${offset}) t) p`);
    return rows[0].body;
  }

  latest(viewer: Viewer, page?: number) { return this.list(viewer, listOf.latest(page)); }
  category(viewer: Viewer, categoryId: number, page?: number) { return this.list(viewer, listOf.category(categoryId, page)); }
  inbox(viewer: Viewer & { id: number }, page?: number) { return this.list(viewer, listOf.inbox(viewer.id, page)); }
  sent(viewer: Viewer & { id: number }, page?: number) { return this.list(viewer, listOf.sent(viewer.id, page)); }
  group(viewer: Viewer, groupId: number, page?: number, params: Record<string, string | undefined> = {}) { return this.list(viewer, listOf.group(groupId, page, params)); }
}

/** The lists Parley has: what each one holds, on top of what the viewer may see. */
export const listOf = {
  latest: (page?: number): ListRequest => ({ list: 'latest', archetype: 'regular', page, where: [] }),
  category: (categoryId: number, page?: number): ListRequest => ({
    list: 'category', archetype: 'regular', page, params: { categoryId: String(categoryId) }, where: [(eb) => eb('topics.category_id', '=', categoryId)],
  }),
  /** Messages the user takes part in directly (not through a group). */
  inbox: (userId: number, page?: number): ListRequest => ({ list: 'inbox', archetype: 'private_message', page, where: [(eb) => eb.exists(
    eb.selectFrom('topic_allowed_users').select(sql`1`.as('one')).whereRef('topic_allowed_users.topic_id', '=', 'topics.id').where('topic_allowed_users.user_id', '=', userId))] }),
  sent: (userId: number, page?: number): ListRequest => ({ list: 'sent', archetype: 'private_message', page, where: [(eb) => eb('topics.user_id', '=', userId)] }),
  /** Messages to a group (the group inbox); visible only to those who may see them. */
  group: (groupId: number, page?: number, params: Record<string, string | undefined> = {}): ListRequest => ({
    list: 'group', archetype: 'private_message', page, params: { ...params, groupId: String(groupId) }, where: [(eb) => eb.exists(
      eb.selectFrom('topic_allowed_groups').select(sql`1`.as('one')).whereRef('topic_allowed_groups.topic_id', '=', 'topics.id').where('topic_allowed_groups.group_id', '=', groupId))],
  }),
};

const DATE_KEYS = new Set(['createdAt', 'bumpedAt', 'lastPostedAt']);

/**
 * One list row in the API's shape (TopicListItemSchema): the topic's ready list item (the same for
 * everyone, kept by a trigger: see the migration topic_list_items), closed with the viewer's own
 * part: the newest post number they may count (whispers count only for those who may read them,
 * `Guardian.countedPostNumber`) and their read state. `t` is a row of the page.
 */
const ITEM = sql.raw(`t.list_item || ',"highestPostNumber":' || t.highest_post_number
  || ',"lastReadPostNumber":' || coalesce(t.last_read_post_number::text, 'null')
  || ',"unreadCount":' || case when t.last_read_post_number is null then 0 else greatest(0, t.highest_post_number - t.last_read_post_number) end
  || ',"isNew":' || (t.last_read_post_number is null)::text || '}'`);
