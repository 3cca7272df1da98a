import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { requireAdmin, requireUser } from '../http/viewer.ts';

const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }) });
const Member = Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }), username: Type.String({ minLength: 1, maxLength: 60 }) });
const Audience = Type.Union([Type.Literal('nobody'), Type.Literal('members'), Type.Literal('staff'), Type.Literal('everyone')]);
const Level = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)]);
const Fields = {
  full_name: Type.Optional(Type.String({ maxLength: 100 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('logged_in'), Type.Literal('members'), Type.Literal('staff')])),
  messageable: Type.Optional(Audience),
  mentionable: Type.Optional(Audience),
  default_notification_level: Type.Optional(Level),
};

/** Groups: browse, see members, and (admins, owners) manage them. */
export async function groupRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { groups } = core.services;
  const tags = ['groups'];

  r.get('/api/groups', { schema: { tags, summary: 'Groups you can see' } }, async (req) => ({ groups: await groups.list(req.viewer) }));

  r.get('/api/groups/:name', { schema: { tags, summary: 'One group', params: Name } }, async (req) => ({ group: await groups.get(req.viewer, req.params.name) }));

  r.get('/api/groups/:name/members', {
    schema: { tags, summary: 'A page of members (50 each, owners first)', params: Name, querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) }) },
  }, async (req) => groups.members(req.viewer, req.params.name, req.query.page));

  r.post('/api/groups', { schema: { tags, summary: 'Create a group (admin)', body: Type.Object({ name: Type.String({ maxLength: 60 }), ...Fields }) } },
    async (req, reply) => { requireAdmin(req); return reply.status(201).send({ group: await groups.create(req.body) }); });

  r.put('/api/groups/:name', { schema: { tags, summary: 'Change a group (admin)', params: Name, body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 60 })), ...Fields }) } },
    async (req) => { requireAdmin(req); return { group: await groups.update(req.params.name, req.body) }; });

  r.post('/api/groups/:name/members', {
    schema: { tags, summary: 'Add members by username (admins and owners)', params: Name, body: Type.Object({ usernames: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 1, maxItems: 100 }) }) },
  }, async (req) => groups.addMembers(requireUser(req), req.params.name, req.body.usernames));

  r.delete('/api/groups/:name/members/:username', { schema: { tags, summary: 'Remove a member (admins, owners, or yourself)', params: Member } },
    async (req) => { await groups.removeMember(requireUser(req), req.params.name, req.params.username); return { ok: true }; });

  r.put('/api/groups/:name/owners/:username', { schema: { tags, summary: 'Make a member an owner, or not (admin)', params: Member, body: Type.Object({ owner: Type.Boolean() }) } },
    async (req) => { requireAdmin(req); await groups.setOwner(req.params.name, req.params.username, req.body.owner); return { ok: true }; });

  r.put('/api/groups/:name/notification-level', { schema: { tags, summary: 'Your notification level for this group', params: Name, body: Type.Object({ level: Level }) } },
    async (req) => { await groups.setNotificationLevel(requireUser(req), req.params.name, req.body.level); return { ok: true }; });
}
