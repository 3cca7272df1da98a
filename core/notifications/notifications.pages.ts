import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { requireUser } from '../http/viewer.ts';
import { flash, renderPage } from '../web/render.ts';
import type { Notification } from './notifications.table.ts';

type Q = Record<string, string | undefined>;
const PER_PAGE = 50;

/** Your notifications, newest first. Reading the page marks nothing: only "Mark all read" does. */
export async function notificationPages(app: FastifyInstance, core: Core): Promise<void> {
  const { notifications } = core.services;

  app.get<{ Querystring: Q }>('/notifications', { schema: { hide: true } }, async (req, reply) => {
    if (!req.user) return reply.redirect('/login?next=/notifications', 303);
    const before = Math.max(0, Math.floor(Number(req.query.before ?? 0)) || 0);
    const rows = await notifications.list(req.user.id, { limit: PER_PAGE + 1, beforeId: before || undefined });
    const shown = rows.slice(0, PER_PAGE);
    const actors = await usernames(core, shown);
    return renderPage(core, req, reply, 'notifications', {
      title: 'Notifications', notifications: shown.map((n) => forView(n, actors)), older: before > 0,
      nextHref: rows.length > PER_PAGE ? `/notifications?before=${shown.at(-1)!.id}` : null,
    });
  });

  app.post('/notifications/read', { schema: { hide: true } }, async (req, reply) => {
    const viewer = requireUser(req);
    await notifications.markRead(viewer.id);
    flash(reply, 'notice', 'All notifications are marked read.');
    return reply.redirect('/notifications', 303);
  });
}

async function usernames(core: Core, rows: Notification[]): Promise<Map<number, string>> {
  const ids = [...new Set(rows.map((n) => Number(n.data.actorId)).filter((id) => Number.isInteger(id) && id > 0))];
  if (ids.length === 0) return new Map();
  const users = await core.db.selectFrom('users').select(['id', 'username']).where('id', 'in', ids).execute();
  return new Map(users.map((u) => [u.id, u.username]));
}

function forView(n: Notification, actors: Map<number, string>) {
  const data = n.data as { topicTitle?: unknown; actorId?: unknown };
  const title = typeof data.topicTitle === 'string' && data.topicTitle ? data.topicTitle : 'A topic';
  return {
    id: n.id, type: n.notification_type, high: n.high_priority, unread: !n.read, createdAt: n.created_at, title,
    actor: actors.get(Number(data.actorId)) ?? null,
    href: n.topic_id ? `/t/${n.topic_id}${n.post_number ? `#post-${n.post_number}` : ''}` : null,
  };
}
