import { definePlugin, sql, Type, type SuggestedTopic, type Static, type Expression, type Topic, type Viewer } from '../../core/plugin-api.ts';

/**
 * suggested-topics: what to read next, under a topic. Under a group message: the same customer's
 * other messages first (the context of their case), then new, then unread messages of the same
 * group inbox. Under a regular topic: new and unread topics of its category, then recent ones.
 * Never random filler. Core's guardian removes whatever the viewer may not see, whispers included
 * (a topic is suggested by what the viewer can see of it).
 */
export const SuggestedTopicsSettings = Type.Object({
  /** How many suggestions a topic shows. */
  limit: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
});
export type SuggestedTopicsSettings = Static<typeof SuggestedTopicsSettings>;

export default definePlugin<typeof SuggestedTopicsSettings>({
  name: 'suggested-topics',
  version: '1.0.0',
  description: 'Suggestions under a topic: the customer\'s other messages first, then new and unread ones; no random filler.',
  settings: SuggestedTopicsSettings,
  register(ctx) {
    const db = ctx.db;
    /** A few more than shown: the guardian may still remove some. */
    const pool = (limit: number) => Math.min(60, limit * 3);

    /** Topics matching `where`, newest activity first, with the viewer's read state deciding new/unread. */
    const candidates = async (viewer: Viewer, counted: Expression<number>, topic: Topic, archetype: 'regular' | 'private_message', where: ReturnType<typeof sql<boolean>>, limit: number) => {
      const rows = await sql<{ id: number; state: 'new' | 'unread' | 'read' }>`
        select topics.id, case when tu.topic_id is null then 'new' when tu.last_read_post_number < ${counted} then 'unread' else 'read' end as state
        from topics left join topic_users tu on tu.topic_id = topics.id and tu.user_id = ${viewer.id ?? -1}
        where topics.archetype = ${archetype} and topics.id <> ${topic.id} and topics.deleted_at is null and ${where}
        order by topics.bumped_at desc, topics.id desc limit ${pool(limit)}`.execute(db);
      return rows.rows;
    };

    /** The first `n` the viewer may see (the guardian checks again in core; asking here keeps the count right). */
    const visibleFirst = async (viewer: Viewer, list: SuggestedTopic[], n: number) => {
      const visible = await ctx.guardian.visibleTopicIds(db as never, viewer, list.map((s) => s.topicId));
      return list.filter((s) => visible.has(s.topicId)).slice(0, n);
    };

    ctx.hooks.onFilter('topic-suggestions', async (proposed, { viewer, topic, limit }) => {
      const n = Math.min(limit, ctx.settings.get().limit);
      const counted = await ctx.guardian.countedPostNumber(viewer);
      const out: SuggestedTopic[] = [...proposed];
      const add = (ids: number[], reason: string) => { for (const id of ids) if (!out.some((s) => s.topicId === id)) out.push({ topicId: id, reason }); };
      if (topic.archetype === 'private_message') {
        const groups = (await db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topic.id).execute()).map((g) => g.group_id);
        if (topic.user_id !== null) {
          const sameSender = await candidates(viewer, counted, topic, 'private_message', sql<boolean>`topics.user_id = ${topic.user_id}`, n);
          add(sameSender.map((r) => r.id), 'from the same person');
        }
        if (groups.length) {
          const inbox = await candidates(viewer, counted, topic, 'private_message', sql<boolean>`exists (select 1 from topic_allowed_groups g where g.topic_id = topics.id and g.group_id = any(${groups}::int[]))`, n);
          add(inbox.filter((r) => r.state === 'new').map((r) => r.id), 'new in this inbox');
          add(inbox.filter((r) => r.state === 'unread').map((r) => r.id), 'unread in this inbox');
        }
        return visibleFirst(viewer, out, n);
      }
      if (topic.category_id === null) return visibleFirst(viewer, out, n);
      const inCategory = await candidates(viewer, counted, topic, 'regular', sql<boolean>`topics.category_id = ${topic.category_id}`, n);
      add(inCategory.filter((r) => r.state === 'new').map((r) => r.id), 'new in this category');
      add(inCategory.filter((r) => r.state === 'unread').map((r) => r.id), 'unread in this category');
      add(inCategory.map((r) => r.id), 'recent in this category');
      return visibleFirst(viewer, out, n);
    });
  },
});
