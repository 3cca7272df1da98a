import type { FastifyInstance } from 'fastify';
import { apiKeyRoutes } from '../auth/api-keys.routes.ts';
import { authRoutes } from '../auth/auth.routes.ts';
import { categoryRoutes } from '../categories/categories.routes.ts';
import type { Core } from '../core.ts';
import { groupRoutes } from '../groups/groups.routes.ts';
import { notificationRoutes } from '../notifications/notifications.routes.ts';
import { receiveRoutes } from '../mail/receive/receive.routes.ts';
import { liveRoutes } from '../realtime/live.routes.ts';
import { searchRoutes } from '../search/search.routes.ts';
import { messageRoutes } from '../topics/messages.routes.ts';
import { pluginRoutes } from '../plugins/plugins.routes.ts';
import { topicRoutes } from '../topics/topics.routes.ts';
import { uploadRoutes } from '../uploads/uploads.routes.ts';
import { adminUserRoutes } from '../users/admin-users.routes.ts';
import { userRoutes } from '../users/users.routes.ts';
import { webRoutes } from '../web/web.routes.ts';

/** Every core route module, in one list. */
export async function registerCoreRoutes(app: FastifyInstance, core: Core): Promise<void> {
  for (const routes of [authRoutes, groupRoutes, categoryRoutes, userRoutes, adminUserRoutes, apiKeyRoutes, pluginRoutes, uploadRoutes, topicRoutes, messageRoutes, notificationRoutes, searchRoutes, liveRoutes, receiveRoutes, webRoutes]) await routes(app, core);
}
