import type { Kysely } from 'kysely';
import type { Work } from '../db/unit-of-work.ts';
import type { DB } from '../db/schema.ts';
import type { NotificationDispatch } from '../hooks/hook-types.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { Guardian } from '../permissions/guardian.ts';
import { userGroupIds, viewerFromUser, type Viewer } from '../permissions/viewer.ts';
import type { Post } from '../posts/posts.table.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import type { Topic } from '../topics/topics.table.ts';
import { planNotifications, type PlanInput } from './plan.ts';
import type { Notification } from './notifications.table.ts';

export type EmailDispatcher = (work: Work, d: { dispatch: NotificationDispatch; topic: Topic; post: Post }) => Promise<void>;

export class NotificationsService {
  /** Set by the mail pipeline: how notifications reach people by email. */
  emailDispatcher: EmailDispatcher | null = null;

  constructor(private readonly deps: { db: Kysely<DB>; hooks: Hooks; guardian: Guardian; bus: EventBus }) {}

  /**
   * Plans, filters and writes the notifications for a new post, inside its transaction. Plugins
   * reshape the plan through `notification-dispatch`; then anyone who may not see the post is removed.
   */
  async notifyPost(work: Work, input: PlanInput): Promise<NotificationDispatch[]> {
    const planned = await planNotifications(work.trx, input);
    const shaped = await this.deps.hooks.filter('notification-dispatch', planned, { topic: input.topic, post: input.post, actorId: input.actorId, trx: work.trx });
    const allowed = await this.entitled(work.trx, shaped, input.post.id);
    for (const dispatch of allowed) await this.deliver(work, dispatch, input.topic, input.post);
    return allowed;
  }

  async list(userId: number, opts: { limit?: number; beforeId?: number } = {}): Promise<Notification[]> {
    let q = this.deps.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (opts.beforeId) q = q.where('id', '<', opts.beforeId);
    return q.orderBy('id', 'desc').limit(Math.min(opts.limit ?? 30, 100)).execute();
  }

  async unreadCounts(userId: number): Promise<{ unread: number; unreadHighPriority: number }> {
    const row = await this.deps.db.selectFrom('notifications').where('user_id', '=', userId).where('read', '=', false)
      .select((eb) => [eb.fn.countAll<number>().as('unread'), eb.fn.count<number>('id').filterWhere('high_priority', '=', true).as('high')])
      .executeTakeFirstOrThrow();
    return { unread: Number(row.unread), unreadHighPriority: Number(row.high) };
  }

  /** Marks some (or, without ids, all) of the user's notifications read; returns the new counts. */
  async markRead(userId: number, ids?: number[]): Promise<{ unread: number; unreadHighPriority: number }> {
    let q = this.deps.db.updateTable('notifications').set({ read: true }).where('user_id', '=', userId).where('read', '=', false);
    if (ids) q = q.where('id', 'in', ids.length ? ids : [-1]);
    await q.execute();
    const counts = await this.unreadCounts(userId);
    await this.deps.bus.publish(`/notifications/${userId}`, { type: 'counts', ...counts }, { userIds: [userId] });
    return counts;
  }

  /** Only users who may see the post; staged and suspended users keep only the email channel. */
  private async entitled(db: Kysely<DB>, planned: NotificationDispatch[], postId: number): Promise<NotificationDispatch[]> {
    const result: NotificationDispatch[] = [];
    for (const d of planned) {
      const viewer = await viewerOf(db, d.userId);
      if (!viewer || !(await this.deps.guardian.canSeePost(db, viewer, postId))) continue;
      result.push(viewer.staged ? { ...d, channels: d.channels.filter((c) => c === 'email') } : d);
    }
    return result;
  }

  private async deliver(work: Work, dispatch: NotificationDispatch, topic: Topic, post: Post): Promise<void> {
    if (dispatch.channels.includes('web')) {
      const notification = await work.trx.insertInto('notifications').values({
        user_id: dispatch.userId, notification_type: dispatch.type, high_priority: dispatch.highPriority,
        topic_id: topic.id, post_number: post.post_number,
        data: JSON.stringify({ topicTitle: topic.title, postId: post.id, actorId: post.user_id, reason: dispatch.reason }) as unknown as Record<string, unknown>,
      }).returningAll().executeTakeFirstOrThrow();
      if (dispatch.channels.includes('live')) {
        await this.deps.bus.publish(`/notifications/${dispatch.userId}`, { type: 'notification', notification }, { userIds: [dispatch.userId], db: work.trx });
      }
      work.emit('notification-created', { notification, channels: dispatch.channels });
    }
    if (dispatch.channels.includes('email') && this.emailDispatcher) await this.emailDispatcher(work, { dispatch, topic, post });
  }
}

/** The viewer a user would be, for permission checks made on their behalf (notifications, mail). */
export async function viewerOf(db: Kysely<DB>, userId: number): Promise<Viewer | null> {
  const user = await db.selectFrom('users').select(['id', 'username', 'admin', 'moderator', 'staged'])
    .select((eb) => userGroupIds(eb).as('group_ids'))
    .where('id', '=', userId).executeTakeFirst();
  return user ? viewerFromUser(user, user.group_ids) : null;
}
