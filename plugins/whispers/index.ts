import { definePlugin, isStaff, PostType, sql, Type, type SqlBool, type Static, type Viewer } from '../../core/plugin-api.ts';

/**
 * whispers: staff talk beside a conversation, out of the customer's sight. Staff may whisper and
 * see whispers anywhere; in a group message, so may the members of the groups on it (the support
 * team, without being moderators); admins can name further groups. Everyone else sees no trace:
 * core keeps whispers out of the public counters, and every read path (topic, lists, search,
 * notifications, live events, mail) asks the guardian post by post, which this plugin extends.
 */
export const WhispersSettings = Type.Object({
  /** Groups (by name) whose members may whisper and read whispers everywhere, as staff do. */
  allowedGroups: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { default: [] }),
});
export type WhispersSettings = Static<typeof WhispersSettings>;

const WHISPER = sql.lit(PostType.whisper);

export default definePlugin<typeof WhispersSettings>({
  name: 'whispers',
  version: '1.0.0',
  description: 'Whispers: posts beside a conversation that only staff and the message\'s team can see.',
  settings: WhispersSettings,
  register(ctx) {
    /** The viewer's own groups (the automatic "everyone" group never counts) and the configured group names. */
    const groupsOf = (viewer: Viewer) => ({ mine: viewer.groupIds.filter((g) => g !== 0), names: ctx.settings.get().allowedGroups.map((n) => n.toLowerCase()) });

    ctx.hooks.onFilter('can-whisper', async (allowed, { viewer, topic, trx }) => {
      if (allowed || isStaff(viewer)) return true;
      const { mine, names } = groupsOf(viewer);
      if (mine.length === 0) return false;
      if (names.length && await trx.selectFrom('groups').select('id').where('name_lower', 'in', names).where('id', 'in', mine).executeTakeFirst()) return true;
      if (topic.archetype !== 'private_message') return false;
      return (await trx.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topic.id).where('group_id', 'in', mine).executeTakeFirst()) !== undefined;
    });

    // Staff already see every post. Others see a whisper when they belong to a group the message is
    // addressed to, or to one of the configured groups. All in SQL: read paths ask this inside
    // their own transactions, where a query of the plugin's own would not belong.
    ctx.hooks.onFilter('post-visibility', (rules, { viewer }) => {
      const { mine, names } = groupsOf(viewer);
      if (isStaff(viewer) || viewer.id === null || mine.length === 0) return rules;
      const configured = names.length ? sql<SqlBool>`exists (select 1 from groups wg where wg.id = any(${mine}::int[]) and wg.name_lower = any(${names}::text[]))` : sql<SqlBool>`false`;
      return {
        ...rules,
        grants: [...rules.grants, () => sql<SqlBool>`(posts.post_type = ${WHISPER} and (${configured} or exists (select 1 from topic_allowed_groups w
          where w.topic_id = topics.id and w.group_id = any(${mine}::int[]))))`],
      };
    });
  },
});
