import { fileURLToPath } from 'node:url';
import { definePlugin, isStaff, sql, type SqlBool } from '../../core/plugin-api.ts';
import { registerBulk } from './bulk.ts';
import { registerRoutes } from './routes.ts';
import { isStatus, MessageStatusSettings, reopenOnCustomerReply, statusCounts, type Ctx, type MessageStatusTables, type Status } from './status.ts';
import { registerViews } from './views.ts';

/**
 * message-status: each group message is open, pending (waiting for the customer) or solved. A
 * solve records a closing note (who handled it, the action taken, what was done); the customer's
 * next reply opens it again. The inbox colours open messages by how long the customer has waited
 * and filters by status. Only the message's team and staff see any of it.
 */
export default definePlugin<typeof MessageStatusSettings, MessageStatusTables>({
  name: 'message-status',
  version: '1.0.0',
  description: 'Open, pending and solved messages, with closing notes and waiting-time colours.',
  dependsOn: ['group-inbox'],
  settings: MessageStatusSettings,
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  register(rawCtx) {
    const ctx = rawCtx as unknown as Ctx;
    registerViews(ctx);
    registerRoutes(ctx);
    registerBulk(ctx);

    ctx.hooks.onAction('message-created', async ({ topic, post, isFirstPost }) => {
      if (!isFirstPost) await reopenOnCustomerReply(ctx, topic, post);
    });

    // The inbox's status pills, each with how many of the tab's messages it holds.
    ctx.hooks.onFilter('inbox-filter-sets', async (sets, { inTab }) => {
      const counts = await statusCounts(ctx.db, inTab);
      return [...sets, { param: 'status', label: 'By status', choices: [
        { value: '', label: 'Any status' }, { value: 'open', label: 'Open', count: counts.open },
        { value: 'pending', label: 'Pending', count: counts.pending }, { value: 'solved', label: 'Solved', count: counts.solved },
      ] }];
    });

    // Lists by status: `status=open|pending|solved` on any topic list (the group inbox passes it
    // through). Only messages the viewer works match, so a status filter tells no one else anything.
    ctx.hooks.onFilter('topic-list-query', (conditions, { viewer, params }) => {
      if (!isStatus(params.status)) return conditions;
      const status: Status = params.status;
      const mine = viewer.groupIds.filter((g) => g !== 0);
      const team = isStaff(viewer) && viewer.id !== null
        ? sql<SqlBool>`exists (select 1 from topic_allowed_groups ms_g where ms_g.topic_id = topics.id)`
        : sql<SqlBool>`exists (select 1 from topic_allowed_groups ms_g where ms_g.topic_id = topics.id and ms_g.group_id = any(${mine}::int[]))`;
      const matches = status === 'open'
        ? sql<SqlBool>`not exists (select 1 from message_status_states ms where ms.topic_id = topics.id and ms.status <> 'open')`
        : sql<SqlBool>`exists (select 1 from message_status_states ms where ms.topic_id = topics.id and ms.status = ${status})`;
      return [...conditions, () => sql<SqlBool>`(topics.archetype = 'private_message' and ${team} and ${matches})`];
    });
  },
});
