import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { requireUser } from '../http/viewer.ts';
import { sendJson } from '../http/send-json.ts';
import { cook } from '../posts/cook.ts';
import { listOf } from './topic-lists.ts';

const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
/** Dates leave as ISO strings; in TypeScript they stay Dates. */
const DateTime = () => Type.Unsafe<Date>({ type: 'string', format: 'date-time' });
/** One row of a topic list, as PostgreSQL builds it (`topic-lists.ts`); documents the API. */
export const TopicListItemSchema = Type.Object({
  id: Type.Integer(), title: Type.String(), slug: Type.String(), archetype: Type.String(), categoryId: Nullable(Type.Integer()), excerpt: Type.String(),
  closed: Type.Boolean(), archived: Type.Boolean(), postsCount: Type.Integer(), highestPostNumber: Type.Integer(),
  createdAt: DateTime(), bumpedAt: DateTime(), lastPostedAt: Nullable(DateTime()),
  lastPoster: Nullable(Type.String()), author: Nullable(Type.String()), authorId: Nullable(Type.Integer()), lastReadPostNumber: Nullable(Type.Integer()), unreadCount: Type.Integer(), isNew: Type.Boolean(),
});
export const TopicListSchema = Type.Object({ topics: Type.Array(TopicListItemSchema), page: Type.Integer(), more: Type.Boolean() });
const Page = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) });
const NewPostBody = {
  raw: Type.String({ minLength: 1, maxLength: 64_000 }), replyToPostNumber: Type.Optional(Type.Integer({ minimum: 1 })),
  whisper: Type.Optional(Type.Boolean({ description: 'Post as a whisper (if you may); left out, a reply to a whisper is one' })),
  draft: Type.Optional(Type.Object({
    seenPostNumber: Type.Integer({ minimum: 0, description: 'The newest post the writer had seen when the draft started' }),
    startedAt: Type.String({ format: 'date-time', description: 'When the draft started' }),
  }, { description: 'Given, the reply is refused with 409 and `conflicts` (what happened since: the customer wrote again, a colleague replied or took the message); review and send again with a newer draft, or without it' })),
};

/** Topic lists, a topic with its posts, creating, replying, editing, closing, archiving and read state. */
export async function topicRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { topics, posts, lists } = core.services;

  r.get('/api/latest', { schema: { tags: ['topics'], summary: 'Latest topics, 30 per page, with your read state', querystring: Page, response: { 200: TopicListSchema } } },
    async (req, reply) => sendJson(reply, await lists.listJson(req.viewer, listOf.latest(req.query.page))));

  r.get('/api/c/:id', { schema: { tags: ['topics'], summary: 'Topics in a category', params: Id, querystring: Page, response: { 200: TopicListSchema } } },
    async (req, reply) => sendJson(reply, await lists.listJson(req.viewer, listOf.category(req.params.id, req.query.page))));

  r.get('/api/t/:id', {
    schema: { tags: ['topics'], summary: 'A topic and a page of its posts', params: Id,
      querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }) },
  }, async (req) => topics.view(req.viewer, req.params.id, { afterPostNumber: req.query.after, limit: req.query.limit }));

  r.get('/api/t/:id/suggested', {
    schema: { tags: ['topics'], summary: 'Topics suggested under this one (from plugins; only what you may see)', params: Id,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })) }) },
  }, async (req) => ({ suggested: await core.services.suggestions.for(req.viewer, req.params.id, req.query.limit) }));

  r.get('/api/t/:id/posts/:number/raw', {
    schema: { tags: ['topics'], summary: "A post's raw Markdown", params: Type.Object({ id: Type.Integer({ minimum: 1 }), number: Type.Integer({ minimum: 1 }) }) },
  }, async (req, reply) => reply.type('text/plain; charset=utf-8').send((await posts.findVisible(req.viewer, req.params.id, req.params.number)).raw));

  r.post('/api/topics', {
    schema: { tags: ['topics'], summary: 'Start a topic', body: Type.Object({ title: Type.String({ minLength: 1, maxLength: 255 }), categoryId: Type.Optional(Type.Integer({ minimum: 1 })), raw: NewPostBody.raw }) },
  }, async (req, reply) => reply.status(201).send(await topics.createTopic(requireUser(req), { ...req.body, via: via(req.auth.kind) })));

  r.post('/api/t/:id/posts', { schema: { tags: ['topics'], summary: 'Reply', params: Id, body: Type.Object(NewPostBody) } },
    async (req, reply) => {
      const { draft, ...body } = req.body;
      const post = await posts.reply(requireUser(req), req.params.id, { ...body, via: via(req.auth.kind), draft: draft && { seenPostNumber: draft.seenPostNumber, startedAt: new Date(draft.startedAt) } });
      return reply.status(201).send({ post });
    });

  r.post('/api/preview', {
    config: { rateLimit: { max: 120, timeWindow: 60_000 } },
    schema: { tags: ['topics'], summary: 'Render Markdown as a post would look', body: Type.Object({ raw: Type.String({ maxLength: 64_000 }) }) },
  }, async (req) => { requireUser(req); return { cooked: cook(req.body.raw) }; });

  r.put('/api/posts/:id', { schema: { tags: ['topics'], summary: 'Edit a post', params: Id, body: Type.Object({ raw: NewPostBody.raw }) } },
    async (req) => ({ post: await posts.edit(requireUser(req), req.params.id, req.body.raw) }));

  r.put('/api/t/:id/public', {
    schema: { tags: ['messages'], summary: 'Make a private message a public topic in a category (staff; whispers stay hidden)', params: Id, body: Type.Object({ categoryId: Type.Integer({ minimum: 1 }) }) },
  }, async (req) => ({ topic: await topics.makePublic(requireUser(req), req.params.id, req.body.categoryId) }));

  r.put('/api/t/:id/status', {
    schema: { tags: ['topics'], summary: 'Close or archive (staff)', params: Id, body: Type.Object({ status: Type.Union([Type.Literal('closed'), Type.Literal('archived')]), enabled: Type.Boolean() }) },
  }, async (req) => ({ topic: await topics.setStatus(requireUser(req), req.params.id, req.body.status, req.body.enabled) }));

  r.put('/api/t/:id/read', { schema: { tags: ['topics'], summary: 'Mark read up to a post', params: Id, body: Type.Object({ postNumber: Type.Integer({ minimum: 0 }) }) } },
    async (req) => { await topics.markRead(requireUser(req), req.params.id, req.body.postNumber); return { ok: true }; });

  r.put('/api/t/:id/notification-level', {
    schema: { tags: ['topics'], summary: 'Watch, track, normal or mute a topic', params: Id, body: Type.Object({ level: Type.Integer({ minimum: 0, maximum: 3 }) }) },
  }, async (req) => { await topics.setNotificationLevel(requireUser(req), req.params.id, req.body.level); return { ok: true }; });
}

export const via = (kind: string) => (kind === 'api-key' ? 'api' as const : 'web' as const);
