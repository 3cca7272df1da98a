import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';

/** Server-rendered pages. (The full forum UI grows here.) */
export async function webRoutes(app: FastifyInstance, core: Core): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const latest = await core.services.lists.latest(req.viewer, 0);
    return reply.type('text/html; charset=utf-8').send(core.views.render('latest', { siteName: 'Parley', title: 'Latest', topics: latest.topics, viewer: req.viewer }));
  });
}
