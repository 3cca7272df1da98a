import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { requireAdmin } from '../http/viewer.ts';

const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Grant = Type.Object({
  group: Type.String({ minLength: 1, maxLength: 60 }),
  permission: Type.Union([Type.Literal('create'), Type.Literal('reply'), Type.Literal('see')]),
});
const Fields = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  color: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{6}$' })),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  emailIn: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 200, pattern: '^$|^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$', description: 'Mail to this address starts a topic here' })])),
  permissions: Type.Optional(Type.Array(Grant, { maxItems: 100 })),
};

/** Categories: the ones you can see; admins create, change and delete them. */
export async function categoryRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { categories } = core.services;
  const tags = ['categories'];

  r.get('/api/categories', { schema: { tags, summary: 'Categories you can see, with your permission in each' } },
    async (req) => ({ categories: await categories.list(req.viewer) }));

  r.post('/api/categories', {
    schema: { tags, summary: 'Create a category (admin); no permissions means staff only', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), ...Fields }) },
  }, async (req, reply) => { requireAdmin(req); return reply.status(201).send({ category: await categories.create(req.body) }); });

  r.put('/api/categories/:id', {
    schema: { tags, summary: 'Change a category (admin); permissions, when sent, replace all grants', params: Id, body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), ...Fields }) },
  }, async (req) => { requireAdmin(req); return { category: await categories.update(req.params.id, req.body) }; });

  r.delete('/api/categories/:id', { schema: { tags, summary: 'Delete an empty category (admin)', params: Id } },
    async (req) => { requireAdmin(req); await categories.delete(req.params.id); return { ok: true }; });
}
