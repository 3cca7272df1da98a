// The JSON API: search, read, create, change, delete and use canned replies.
import { requireUser, Type } from '../../core/plugin-api.ts';
import * as library from './library.ts';
import type { Ctx } from './replies.repo.ts';
import { variableList } from './variables.ts';

const tags = ['canned-replies'];
const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
// Lengths are checked by the library, with messages that say what to fix; these bounds only stop abuse.
const Title = Type.String({ maxLength: 1000 });
const Body = Type.String({ maxLength: 100_000 });

export function registerApi(ctx: Ctx): void {
  ctx.http.get('/api/canned-replies/variables', { schema: { tags, summary: 'The variables a canned reply may use, with their fallbacks' } },
    async () => ({ variables: variableList() }));

  ctx.http.get<{ Querystring: library.SearchInput }>('/api/canned-replies', {
    schema: { tags, summary: 'Search canned replies (title and body): of one group, of a message\'s groups, or of every library you may use',
      querystring: Type.Object({
        q: Type.Optional(Type.String({ maxLength: 200 })),
        topicId: Type.Optional(Type.Integer({ minimum: 1, description: 'The libraries of this message\'s groups that you belong to' })),
        group: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      }) },
  }, async (req) => {
    const found = await library.search(ctx, requireUser(req), req.query);
    return {
      libraries: found.libraries.map((l) => ({ name: l.group.name, fullName: l.group.full_name, canManage: l.canManage, href: `/g/${encodeURIComponent(l.group.name)}/canned-replies` })),
      replies: found.replies.map((e) => library.entryJson(e, e.canManage)),
    };
  });

  ctx.http.get<{ Params: { id: number } }>('/api/canned-replies/:id', { schema: { tags, summary: 'One canned reply', params: Id } }, async (req) => {
    const { entry, library: lib } = await library.get(ctx, requireUser(req), req.params.id);
    return { reply: library.entryJson(entry, lib.canManage) };
  });

  ctx.http.post<{ Body: { group: string; title: string; body: string } }>('/api/canned-replies', {
    schema: { tags, summary: 'Add a reply to a group\'s library (admins and the group\'s owners)',
      body: Type.Object({ group: Type.String({ minLength: 1, maxLength: 60 }), title: Title, body: Body }) },
  }, async (req, reply) => {
    const entry = await library.create(ctx, requireUser(req), req.body.group, req.body);
    return reply.status(201).send({ reply: library.entryJson(entry, true) });
  });

  ctx.http.put<{ Params: { id: number }; Body: { title?: string; body?: string } }>('/api/canned-replies/:id', {
    schema: { tags, summary: 'Change a reply\'s title or body (admins and the group\'s owners)', params: Id,
      body: Type.Object({ title: Type.Optional(Title), body: Type.Optional(Body) }) },
  }, async (req) => ({ reply: library.entryJson(await library.update(ctx, requireUser(req), req.params.id, req.body), true) }));

  ctx.http.delete<{ Params: { id: number } }>('/api/canned-replies/:id', { schema: { tags, summary: 'Delete a reply (admins and the group\'s owners)', params: Id } },
    async (req) => { await library.remove(ctx, requireUser(req), req.params.id); return { deleted: req.params.id }; });

  ctx.http.post<{ Params: { id: number }; Body: { topicId?: number } | undefined }>('/api/canned-replies/:id/use', {
    schema: { tags, summary: 'Use a reply: its body with the variables filled for the message, and its use counted', params: Id,
      body: Type.Optional(Type.Object({ topicId: Type.Optional(Type.Integer({ minimum: 1 })) })) },
  }, async (req) => {
    const viewer = requireUser(req);
    const { entry, library: lib, text } = await library.use(ctx, viewer, req.params.id, req.body?.topicId);
    return { text, reply: library.entryJson(entry, lib.canManage) };
  });
}
