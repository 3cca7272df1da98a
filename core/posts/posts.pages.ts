import Handlebars from 'handlebars';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { ParleyError, notFound } from '../errors.ts';
import { requireUser } from '../http/viewer.ts';
import { findPost } from './posts.repo.ts';
import { renderPage } from '../web/render.ts';

type Body = Record<string, string | undefined>;

/** Writing: a new topic, and editing a post. */
export async function postPages(app: FastifyInstance, core: Core): Promise<void> {
  const { topics, posts, categories } = core.services;

  const creatable = async (viewer: Parameters<typeof categories.list>[0]) =>
    (await categories.list(viewer)).filter((c) => viewer.admin || viewer.moderator || c.permission === 'create');

  const categoryField = (list: { id: number; name: string }[], selected: unknown) => new Handlebars.SafeString(
    `<label>Category <select name="categoryId" required>${list.map((c) =>
      `<option value="${c.id}" ${String(c.id) === String(selected) ? 'selected' : ''}>${Handlebars.escapeExpression(c.name)}</option>`).join('')}</select></label>`);

  app.get<{ Querystring: Body }>('/new-topic', { schema: { hide: true } }, async (req, reply) => {
    if (!req.user) return reply.redirect('/login?next=/new-topic', 303);
    const list = await creatable(req.viewer);
    return renderPage(core, req, reply, 'new-topic', { title: 'New topic', categories: list, categoryField: categoryField(list, req.query.category), form: {} });
  });

  app.post<{ Body: Body }>('/new-topic', { schema: { hide: true } }, async (req, reply) => {
    const viewer = requireUser(req);
    try {
      const { topic } = await topics.createTopic(viewer, { title: req.body.title ?? '', raw: req.body.raw ?? '', categoryId: Number(req.body.categoryId) || null });
      return reply.redirect(`/t/${topic.slug}/${topic.id}`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      const list = await creatable(viewer);
      return renderPage(core, req, reply, 'new-topic', { title: 'New topic', categories: list, categoryField: categoryField(list, req.body.categoryId), form: req.body, flash: [{ kind: 'error', message: err.message }] }, err.statusCode);
    }
  });

  app.get<{ Params: { id: string } }>('/p/:id/edit', { schema: { hide: true } }, async (req, reply) => {
    const { post, topic } = await editable(core, req.viewer, Number(req.params.id) || 0);
    return renderPage(core, req, reply, 'edit-post', { title: 'Edit post', post, topic, form: { raw: post.raw }, action: `/p/${post.id}/edit`, cancel: `/t/${topic.slug}/${topic.id}#post-${post.post_number}` });
  });

  app.post<{ Params: { id: string }; Body: Body }>('/p/:id/edit', { schema: { hide: true } }, async (req, reply) => {
    const { post, topic } = await editable(core, req.viewer, Number(req.params.id) || 0);
    try {
      await posts.edit(req.viewer, post.id, req.body.raw ?? '');
      return reply.redirect(`/t/${topic.slug}/${topic.id}#post-${post.post_number}`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      return renderPage(core, req, reply, 'edit-post', { title: 'Edit post', post, topic, form: req.body, action: `/p/${post.id}/edit`, flash: [{ kind: 'error', message: err.message }] }, err.statusCode);
    }
  });
}

async function editable(core: Core, viewer: Parameters<Core['guardian']['canSeePost']>[1], postId: number) {
  const post = await findPost(core.db, postId);
  if (!post || !(await core.guardian.canSeePost(core.db, viewer, postId))) throw notFound('That post');
  const topic = (await core.services.topics.view(viewer, post.topic_id, { limit: 1 })).topic;
  return { post, topic };
}
