import { fileURLToPath } from 'node:url';
import { definePlugin, type Type } from '../../core/plugin-api.ts';
import type { AutoReplyTables, Ctx } from './auto-reply.repo.ts';
import { DUE_QUEUE, SWEEP_QUEUE, onNewMessage, registerClaim, runDue, sweep } from './decide.ts';
import { registerSettings, registerTopicView } from './pages.ts';

/**
 * auto-reply: a group acknowledges a new message by email after a delay (60 minutes unless set
 * otherwise), and only if nobody has answered it by then. Never to auto-generated mail, bounces,
 * spam or Parley's own addresses; at most so many an hour to one address (a token bucket in the
 * database). When it is not sent, the message tells its team why.
 */
export default definePlugin<ReturnType<typeof Type.Object>, AutoReplyTables>({
  name: 'auto-reply',
  version: '1.0.0',
  description: 'A delayed acknowledgement to new mail, sent only if nobody has answered by then.',
  dependsOn: ['group-inbox'],
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  async register(rawCtx) {
    const ctx = rawCtx as unknown as Ctx;
    ctx.hooks.onAction('message-created', async ({ topic, post, isFirstPost, via }) => {
      if (!isFirstPost || via !== 'email' || topic.archetype !== 'private_message') return;
      await onNewMessage(ctx, topic, post);
    });
    registerClaim(ctx);
    registerTopicView(ctx);
    registerSettings(ctx);
    // One after the other: concurrent queue creation deadlocks on PostgreSQL.
    await ctx.jobs.work<{ topicId: number }>(DUE_QUEUE, async (job) => { await runDue(ctx, job.data.topicId); });
    await ctx.jobs.work(SWEEP_QUEUE, async () => { await sweep(ctx); });
    await ctx.jobs.schedule(SWEEP_QUEUE, '* * * * *');
  },
});
