import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { requireUser } from '../http/viewer.ts';

export async function notificationRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { notifications } = core.services;

  r.get('/api/notifications', {
    schema: { tags: ['notifications'], summary: 'Your notifications, newest first', querystring: Type.Object({ before: Type.Optional(Type.Integer()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }) },
  }, async (req) => {
    const viewer = requireUser(req);
    return { notifications: await notifications.list(viewer.id, { beforeId: req.query.before, limit: req.query.limit }), ...(await notifications.unreadCounts(viewer.id)) };
  });

  r.put('/api/notifications/read', {
    schema: { tags: ['notifications'], summary: 'Mark some (ids) or all notifications read', body: Type.Object({ ids: Type.Optional(Type.Array(Type.Integer(), { maxItems: 500 })) }) },
  }, async (req) => notifications.markRead(requireUser(req).id, req.body.ids));
}
