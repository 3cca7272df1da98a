import { expressionBuilder, sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import type { PostPredicate, TopicPredicate, TopicScope, VisibilityRules } from '../hooks/hook-types.ts';
import type { Hooks } from '../hooks/hooks.ts';
import { PostType } from '../posts/posts.table.ts';
import type { Archetype } from '../topics/topics.table.ts';
import { isStaff, type Viewer } from './viewer.ts';

/**
 * The one permission module. Every read path (topic view, lists, search, suggestions, live
 * events, outgoing mail) asks it, and it answers with one SQL condition per viewer, so a single
 * topic check and a list query can never disagree. Plugins extend it only through the
 * `topic-visibility` and `post-visibility` filter hooks.
 */
export class Guardian {
  constructor(private readonly hooks: Hooks) {}

  /**
   * The condition a `topics` row must meet for the viewer to see it. A caller that already limits
   * its query to one archetype says so, and grants for the other archetype are left out (the
   * condition is the same for those rows; the planner just has less to plan).
   */
  async topicPredicate(viewer: Viewer, scope: TopicScope = {}): Promise<TopicPredicate> {
    const rules = await this.hooks.filter('topic-visibility', baseTopicRules(viewer, scope), { viewer, scope });
    return combine(rules);
  }

  /** The condition a `posts` row (joined with its topic) must meet, on top of the topic's. */
  async postPredicate(viewer: Viewer): Promise<PostPredicate> {
    const rules = await this.hooks.filter('post-visibility', basePostRules(viewer), { viewer });
    return combine(rules);
  }

  async canSeeTopic(db: Kysely<DB>, viewer: Viewer, topicId: number): Promise<boolean> {
    const visible = await this.topicPredicate(viewer);
    const row = await db.selectFrom('topics').select('id').where('id', '=', topicId).where(visible).executeTakeFirst();
    return row !== undefined;
  }

  /** Not found, never forbidden: a private message's existence is itself private. */
  async ensureCanSeeTopic(db: Kysely<DB>, viewer: Viewer, topicId: number): Promise<void> {
    if (!(await this.canSeeTopic(db, viewer, topicId))) throw notFound('That topic');
  }

  /** The ids, among `topicIds`, the viewer may see (for live events and suggestion lists). */
  async visibleTopicIds(db: Kysely<DB>, viewer: Viewer, topicIds: number[]): Promise<Set<number>> {
    if (topicIds.length === 0) return new Set();
    const visible = await this.topicPredicate(viewer);
    const rows = await db.selectFrom('topics').select('id').where('id', 'in', topicIds).where(visible).execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * The newest post number the viewer may count in a `topics` row, for read and unread state: the
   * public counter, or past it the newest post (a whisper, a staff-only action) the viewer may see.
   * So a whisper is unread for whoever may read it (staff, a message's team) and for nobody else.
   * Only topics whose newest posts are hidden from some viewers look any further than the row.
   */
  async countedPostNumber(viewer: Viewer): Promise<Expression<number>> {
    const postOk = await this.postPredicate(viewer);
    return sql<number>`(case when topics.highest_staff_post_number > topics.highest_post_number
      then coalesce((select max(posts.post_number) from posts where posts.topic_id = topics.id and posts.post_number > topics.highest_post_number
        and ${postOk(expressionBuilder<DB, 'posts' | 'topics'>())}), topics.highest_post_number)
      else topics.highest_post_number end)`;
  }

  async canSeePost(db: Kysely<DB>, viewer: Viewer, postId: number): Promise<boolean> {
    const [topicOk, postOk] = await Promise.all([this.topicPredicate(viewer), this.postPredicate(viewer)]);
    const row = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
      .select('posts.id').where('posts.id', '=', postId)
      .where((eb) => topicOk(eb as unknown as ExpressionBuilder<DB, 'topics'>)).where(postOk).executeTakeFirst();
    return row !== undefined;
  }
}

function combine<P extends (eb: any) => Expression<SqlBool>>(rules: VisibilityRules<P>): P {
  return ((eb: ExpressionBuilder<any, any>) => {
    const granted = rules.grants.length ? eb.or(rules.grants.map((g) => g(eb))) : sql<SqlBool>`false`;
    if (rules.restrictions.length === 0) return granted;
    return eb.and([granted, eb.not(eb.or(rules.restrictions.map((r) => r(eb))))]);
  }) as unknown as P;
}

/**
 * Literals, not parameters, where a plan depends on the value: the partial indexes are on the
 * archetype, and a prepared list query keeps its plan only if the planner can see which one.
 * The viewer's groups go as one array, so the SQL is the same however many groups they are in.
 */
const REGULAR = sql.lit<Archetype>('regular');
const PRIVATE_MESSAGE = sql.lit<Archetype>('private_message');

/** Core's own rules: staff see every regular topic; admins see everything; a message is seen by its participants. */
export function baseTopicRules(viewer: Viewer, scope: TopicScope = {}): VisibilityRules<TopicPredicate> {
  const groups = [...viewer.groupIds];
  const grants: TopicPredicate[] = [];
  const regular = scope.archetype !== 'private_message';
  const messages = scope.archetype !== 'regular';
  if (viewer.admin) grants.push(() => sql<SqlBool>`true`);
  if (viewer.moderator && regular) grants.push((eb) => eb('topics.archetype', '=', REGULAR));
  if (regular) grants.push((eb) => eb.and([
    eb('topics.archetype', '=', REGULAR),
    eb.or([
      eb('topics.category_id', 'is', null),
      eb('topics.category_id', 'in', eb.selectFrom('category_groups').select('category_groups.category_id')
        .where('category_groups.group_id', '=', sql<number>`any(${groups}::int[])`)),
    ]),
  ]));
  if (viewer.id !== null && messages) {
    const userId = viewer.id;
    const memberOf = groups.filter((g) => g !== 0);
    grants.push((eb) => eb.and([
      eb('topics.archetype', '=', PRIVATE_MESSAGE),
      eb.or([
        eb.exists(eb.selectFrom('topic_allowed_users').select(sql`1`.as('one'))
          .whereRef('topic_allowed_users.topic_id', '=', 'topics.id').where('topic_allowed_users.user_id', '=', userId)),
        ...(memberOf.length ? [eb.exists(eb.selectFrom('topic_allowed_groups').select(sql`1`.as('one'))
          .whereRef('topic_allowed_groups.topic_id', '=', 'topics.id').where('topic_allowed_groups.group_id', 'in', memberOf))] : []),
      ]),
    ]));
  }
  const restrictions: TopicPredicate[] = isStaff(viewer) ? [] : [
    (eb) => eb('topics.deleted_at', 'is not', null),
    (eb) => eb('topics.visible', '=', sql.lit(false)),
  ];
  return { grants, restrictions };
}

/** Whispers are for staff unless a plugin grants more; deleted posts are for staff. */
export function basePostRules(viewer: Viewer): VisibilityRules<PostPredicate> {
  if (isStaff(viewer)) return { grants: [() => sql<SqlBool>`true`], restrictions: [] };
  return {
    grants: [(eb) => eb('posts.post_type', '!=', sql.lit(PostType.whisper))],
    restrictions: [(eb) => eb('posts.deleted_at', 'is not', null)],
  };
}
