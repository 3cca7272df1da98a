import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { notFound } from '../errors.ts';
import { requireUser } from '../http/viewer.ts';
import { sendJson } from '../http/send-json.ts';
import { listOf } from './topic-lists.ts';
import { TopicListSchema, via } from './topics.routes.ts';

const Page = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) });

/** Private messages: send, and the inbox, sent and group lists. */
export async function messageRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { topics, lists } = core.services;

  r.post('/api/messages', {
    schema: { tags: ['messages'], summary: 'Send a private message to users and/or groups', body: Type.Object({
      title: Type.String({ minLength: 1, maxLength: 255 }), raw: Type.String({ minLength: 1, maxLength: 64_000 }),
      usernames: Type.Optional(Type.Array(Type.String(), { maxItems: 50 })), groups: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
    }) },
  }, async (req, reply) => reply.status(201).send(await topics.createMessage(requireUser(req), {
    title: req.body.title, raw: req.body.raw, usernames: req.body.usernames, groupNames: req.body.groups, via: via(req.auth.kind),
  })));

  r.get('/api/messages/inbox', { schema: { tags: ['messages'], summary: 'Messages you take part in', querystring: Page, response: { 200: TopicListSchema } } },
    async (req, reply) => sendJson(reply, await lists.listJson(req.viewer, listOf.inbox(requireUser(req).id, req.query.page))));

  r.get('/api/messages/sent', { schema: { tags: ['messages'], summary: 'Messages you started', querystring: Page, response: { 200: TopicListSchema } } },
    async (req, reply) => sendJson(reply, await lists.listJson(req.viewer, listOf.sent(requireUser(req).id, req.query.page))));

  r.get('/api/messages/group/:name', {
    schema: { tags: ['messages'], summary: "A group's messages (members and admins)", params: Type.Object({ name: Type.String() }), querystring: Page, response: { 200: TopicListSchema } },
  }, async (req, reply) => {
    const viewer = requireUser(req);
    const group = await core.db.selectFrom('groups').select('id').where('name_lower', '=', req.params.name.toLowerCase()).executeTakeFirst();
    if (!group || (!viewer.admin && !viewer.groupIds.includes(group.id))) throw notFound('That group inbox');
    return sendJson(reply, await lists.listJson(viewer, listOf.group(group.id, req.query.page)));
  });
}
