import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { authPages } from '../auth/auth.pages.ts';
import type { Core } from '../core.ts';
import { postPages } from '../posts/posts.pages.ts';
import { topicPages } from '../topics/topics.pages.ts';
import { registerHelpers } from './helpers.ts';
import { TEMPLATES_DIR } from './view-engine.ts';

/** The server-rendered forum: stylesheet and scripts under /assets, and every page module. */
export async function webRoutes(app: FastifyInstance, core: Core): Promise<void> {
  registerHelpers(core.views);
  await app.register(fastifyStatic, { root: `${TEMPLATES_DIR}assets`, prefix: '/assets/', maxAge: '1h', decorateReply: false });
  for (const pages of [authPages, topicPages, postPages]) await pages(app, core);
}
