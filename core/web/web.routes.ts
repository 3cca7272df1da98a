import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { adminPages } from '../admin/admin.pages.ts';
import { authPages } from '../auth/auth.pages.ts';
import type { Core } from '../core.ts';
import { groupPages } from '../groups/groups.pages.ts';
import { notificationPages } from '../notifications/notifications.pages.ts';
import { postPages } from '../posts/posts.pages.ts';
import { searchPages } from '../search/search.pages.ts';
import { messagePages } from '../topics/messages.pages.ts';
import { topicPages } from '../topics/topics.pages.ts';
import { userPages } from '../users/users.pages.ts';
import { registerHelpers } from './helpers.ts';
import { TEMPLATES_DIR } from './view-engine.ts';

/** The server-rendered forum: stylesheet and scripts under /assets, and every page module. */
export async function webRoutes(app: FastifyInstance, core: Core): Promise<void> {
  registerHelpers(core.views);
  await app.register(fastifyStatic, { root: `${TEMPLATES_DIR}assets`, prefix: '/assets/', maxAge: '1h', decorateReply: false });
  for (const pages of [authPages, topicPages, postPages, messagePages, groupPages, searchPages, notificationPages, userPages, adminPages]) await pages(app, core);
}
