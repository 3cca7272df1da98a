import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';

/** `GET /api/search`: full-text search over what the viewer may read, 20 hits a page. */
export async function searchRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { search } = core.services;

  r.get('/api/search', {
    config: { rateLimit: { max: 60, timeWindow: 60_000 } },
    schema: {
      tags: ['search'], summary: 'Search topic titles and posts you may read, best matches first',
      querystring: Type.Object({ q: Type.Optional(Type.String()), page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000 })) }),
    },
  }, async (req) => search.search(req.viewer, req.query.q, req.query.page ?? 0));
}
