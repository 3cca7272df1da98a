// Collision control at send time: a reply whose draft started before a colleague took the message
// (or it was handed to a group) is held back, so its writer sees who has it before answering.
import type { Ctx } from './assign.ts';
import { holdersOf } from './assign.ts';

export function registerCollisionCheck(ctx: Ctx): void {
  ctx.hooks.onFilter('reply-conflicts', async (conflicts, { viewer, topic, draft, trx }) => {
    const holder = (await holdersOf(trx, [topic.id])).get(topic.id);
    if (!holder || holder.userId === viewer.id || holder.at.getTime() <= draft.startedAt.getTime()) return conflicts;
    const message = holder.username ? `${holder.username} took this message.` : `The message was assigned to @${holder.groupName}.`;
    return [...conflicts, { kind: 'taken', message, at: holder.at, userId: holder.userId }];
  });
}
