import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { badInput } from '../errors.ts';
import { requireAdmin } from '../http/viewer.ts';

const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** Admin: every account (staged ones badged), roles, suspension and activation. */
export async function adminUserRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin'];
  const { userAdmin } = core.services;

  r.get('/api/admin/users', {
    schema: { tags, summary: 'All accounts, newest first, 50 a page; staged = email-only', querystring: Type.Object({ term: Type.Optional(Type.String({ maxLength: 60 })), page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) }) },
  }, async (req) => { requireAdmin(req); return { users: await userAdmin.list(req.query.term ?? '', req.query.page ?? 0) }; });

  r.put('/api/admin/users/:id/roles', {
    schema: { tags, summary: 'Grant or revoke admin and moderator', params: Id, body: Type.Object({ admin: Type.Optional(Type.Boolean()), moderator: Type.Optional(Type.Boolean()) }) },
  }, async (req) => {
    const me = requireAdmin(req);
    if (req.body.admin === undefined && req.body.moderator === undefined) throw badInput('Send admin and/or moderator as true or false.');
    let user = await userAdmin.find(req.params.id);
    for (const role of ['admin', 'moderator'] as const) {
      if (req.body[role] !== undefined) user = await userAdmin.setRole(me.id, req.params.id, role, req.body[role]!);
    }
    return { user };
  });

  r.put('/api/admin/users/:id/suspend', {
    schema: { tags, summary: 'Suspend until a date, with a reason the person will see; signs them out everywhere', params: Id,
      body: Type.Object({ until: Type.String({ format: 'date-time' }), reason: Type.String({ minLength: 1, maxLength: 500 }) }) },
  }, async (req) => ({ user: await userAdmin.suspend(requireAdmin(req).id, req.params.id, new Date(req.body.until), req.body.reason) }));

  r.put('/api/admin/users/:id/unsuspend', { schema: { tags, summary: 'Lift a suspension', params: Id } },
    async (req) => { requireAdmin(req); return { user: await userAdmin.unsuspend(req.params.id) }; });

  r.put('/api/admin/users/:id/activate', { schema: { tags, summary: 'Activate an account (not a staged one: they must sign up)', params: Id } },
    async (req) => { requireAdmin(req); return { user: await userAdmin.activate(req.params.id) }; });
}
