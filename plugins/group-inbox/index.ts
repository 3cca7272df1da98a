import { fileURLToPath } from 'node:url';
import { definePlugin, PostType, Type, type Static } from '../../core/plugin-api.ts';
import * as repo from './inbox.repo.ts';
import type { InboxDb } from './inbox.repo.ts';
import { registerMail } from './mail.ts';
import { registerPages } from './pages.ts';

/**
 * group-inbox: a group's email address becomes a shared support inbox. Mail to it is a message
 * to the group (the sender and the Cc'd people in it), members work it at `/g/NAME/messages`
 * (Inbox, New, Unread, Archive), and replies from the browser reach the customer under the
 * group's identity, with the history they may see quoted.
 */
export const GroupInboxSettings = Type.Object({
  /** How many earlier posts mail to a customer quotes below a reply (0 for none). */
  quotedPosts: Type.Integer({ minimum: 0, maximum: 20, default: 3 }),
});
export type GroupInboxSettings = Static<typeof GroupInboxSettings>;

export default definePlugin<typeof GroupInboxSettings, repo.GroupInboxTables>({
  name: 'group-inbox',
  version: '1.0.0',
  description: 'A group\'s email address becomes a shared inbox: every member sees every mail, with their own read state.',
  settings: GroupInboxSettings,
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  register(ctx) {
    const db = ctx.db as unknown as InboxDb;
    registerMail(ctx);
    registerPages(ctx);

    ctx.hooks.onAction('message-created', async ({ topic, post, isFirstPost }) => {
      if (topic.archetype !== 'private_message' || post.user_id === null) return;
      const groupIds = await repo.inboxGroupsOfTopic(db, topic.id);
      if (groupIds.length === 0) return;
      const members = await Promise.all(groupIds.map((g) => repo.isMember(db, g, post.user_id!)));
      if (members.some(Boolean)) {
        // A member who answers takes part from now on: they hear of the customer's reply as a participant.
        // A small action (marking spam, taking the message) is no answer.
        if (!isFirstPost && post.action_code === null) await ctx.forum.topics.addParticipants(ctx.db as never, topic.id, [post.user_id]);
        return;
      }
      // The customer wrote again: the message is back in every group's inbox. A small action, a
      // whisper or staff answering from outside the group is not the customer writing.
      if (post.action_code !== null || post.post_type !== PostType.regular) return;
      const author = await ctx.forum.users.findById(post.user_id);
      if (!author || author.admin || author.moderator) return;
      for (const g of groupIds) {
        if (await repo.unarchive(db, g, topic.id)) await ctx.realtime.publish(`/lists/group-inbox/${g}`, { type: 'unarchived', topicId: topic.id, groupId: g, userId: post.user_id }, { topicId: topic.id, groupIds: [g] });
      }
    });
  },
});
