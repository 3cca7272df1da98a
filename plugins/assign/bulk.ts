// "Assign to…" on the group inbox's bulk bar (group-inbox's `inbox-bulk-actions` hook): the
// selected messages go to one member of the team or to a group, each with its small action, as
// assigning one message does. Messages that person or group already holds do not count as changed.
import { badInput } from '../../core/plugin-api.ts';
import { assignTo, holdersOf, type Ctx } from './assign.ts';

export function registerBulkAssign(ctx: Ctx): void {
  ctx.hooks.onFilter('inbox-bulk-actions', (actions, { viewer }) => [...actions, {
    name: 'assign', label: 'Assign', done: 'assigned', input: { name: 'assignTo', label: 'Assign to', kind: 'text', placeholder: 'username or @group' },
    perform: async (topicIds, input) => {
      const text = typeof input.assignTo === 'string' ? input.assignTo.trim() : '';
      if (!text || text === '@') throw badInput('Say whom to assign them to: a username, or @group.', { field: 'assignTo' });
      const to = text.startsWith('@') ? { group: text.slice(1) } : { username: text };
      const holders = await holdersOf(ctx.db, topicIds);
      const already = (id: number) => {
        const h = holders.get(id);
        return h !== undefined && (to.group ? h.userId === null && h.groupName?.toLowerCase() === to.group.toLowerCase() : h.username?.toLowerCase() === to.username!.toLowerCase());
      };
      let changed = 0;
      // The first assignment checks the person or group (on the team?) before any other changes.
      for (const id of topicIds) {
        if (already(id)) continue;
        await assignTo(ctx, viewer, id, to);
        changed++;
      }
      return changed;
    },
  }]);
}
