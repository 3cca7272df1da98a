import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { elidedByPost } from '../mail/receive/elided.ts';
import { ParleyError, notFound } from '../errors.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';
import { PostType } from '../posts/posts.table.ts';
import { flash, renderPage } from '../web/render.ts';
import type { DraftBase } from '../posts/posts.service.ts';
import type { TopicView } from './topics.service.ts';

type Q = Record<string, string | undefined>;
const POSTS_PER_PAGE = 50;

/** What a small action post says, in words. */
const ACTIONS: Record<string, string> = {
  'closed.enabled': 'closed the topic', 'closed.disabled': 'reopened the topic',
  'archived.enabled': 'archived the topic', 'archived.disabled': 'unarchived the topic',
  public_topic: 'made this message a public topic',
};

/** A plugin's small action says what happened in its own words (the post's raw text). */
const actionText = (p: { action_code: string | null; raw: string }) => ACTIONS[p.action_code ?? ''] ?? (p.raw || p.action_code);

export function postForView(p: TopicView['posts'][number], viewer: Viewer) {
  return {
    ...p, whisper: p.post_type === PostType.whisper, smallAction: p.post_type === PostType.smallAction || Boolean(p.action_code),
    actionText: actionText(p), canEdit: viewer.id !== null && (p.user_id === viewer.id || isStaff(viewer)),
  };
}

/** Latest, categories, a category, a topic with its composer, replying, editing, new topics. */
export async function topicPages(app: FastifyInstance, core: Core): Promise<void> {
  const { lists, topics, posts, categories } = core.services;
  const page = (q: Q) => Math.max(0, Number(q.page ?? 0) || 0);

  const latest = async (req: FastifyRequest<{ Querystring: Q }>, reply: FastifyReply) => {
    const list = await lists.latest(req.viewer, page(req.query));
    return renderPage(core, req, reply, 'latest', { title: 'Latest', heading: 'Latest', nav: 'latest', listName: 'latest', ...list, emptyText: 'No topics yet. Start the first one!' });
  };
  app.get('/', { schema: { hide: true } }, latest);
  app.get('/latest', { schema: { hide: true } }, latest);

  app.get('/categories', { schema: { hide: true } }, async (req, reply) =>
    renderPage(core, req, reply, 'categories', { title: 'Categories', nav: 'categories', categories: await categories.list(req.viewer) }));

  app.get<{ Params: { slug: string }; Querystring: Q }>('/c/:slug', { schema: { hide: true } }, async (req, reply) => {
    const category = (await categories.list(req.viewer)).find((c) => c.slug === req.params.slug);
    if (!category) throw notFound('That category');
    const list = await lists.category(req.viewer, category.id, page(req.query));
    return renderPage(core, req, reply, 'latest', { title: category.name, heading: category.name, description: category.description, nav: 'categories', categoryId: category.id, listName: `category-${category.id}`, ...list });
  });

  app.get<{ Params: { id: string } }>('/t/:id', { schema: { hide: true } }, async (req, reply) => {
    const view = await topics.view(req.viewer, Number(req.params.id) || 0, { limit: 1 });
    return reply.redirect(`/t/${view.topic.slug}/${view.topic.id}`, 301);
  });

  app.get<{ Params: { slug: string; id: string }; Querystring: Q }>('/t/:slug/:id', { schema: { hide: true } }, async (req, reply) =>
    renderTopic(core, req, reply, Number(req.params.id) || 0, Number(req.query.after ?? 0) || 0));

  app.get<{ Params: { id: string; number: string } }>('/t/:id/posts/:number/fragment', { schema: { hide: true } }, async (req, reply) => {
    const view = await topics.view(req.viewer, Number(req.params.id) || 0, { afterPostNumber: (Number(req.params.number) || 1) - 1, limit: 1 });
    const post = view.posts.find((p) => p.post_number === Number(req.params.number));
    if (!post) throw notFound('That post');
    const elided = await elidedByPost(core.db, [post]);
    return reply.type('text/html; charset=utf-8').send(core.views.render('post-fragment', { ...postForView(post, req.viewer), elided: elided.get(post.id), me: req.user }, null));
  });

  app.post<{ Params: { id: string }; Body: Q }>('/t/:id/reply', { schema: { hide: true } }, async (req, reply) => {
    const id = Number(req.params.id) || 0;
    try {
      const post = await posts.reply(req.viewer, id, {
        raw: req.body.raw ?? '', replyToPostNumber: Number(req.body.replyTo) || null, whisper: req.body.whisper === 'true' ? true : req.body.whisperToggle ? false : undefined,
        draft: draftFrom(req.body),
      });
      const topic = (await topics.view(req.viewer, id, { limit: 1 })).topic;
      return reply.redirect(`/t/${topic.slug}/${topic.id}#post-${post.post_number}`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode === 404) throw err;
      const form = { raw: req.body.raw, whisper: req.body.whisper };
      // Something happened since the draft started: the page shows it, keeps the draft, and the next send is checked against what is shown now.
      if (err.statusCode === 409 && Array.isArray(err.details?.conflicts)) return renderTopic(core, req, reply, id, 0, form, undefined, 409, err.details.conflicts as ConflictView[]);
      return renderTopic(core, req, reply, id, 0, form, err.message, err.statusCode);
    }
  });

  app.post<{ Params: { id: string }; Body: Q }>('/t/:id/notification-level', { schema: { hide: true } }, async (req, reply) => {
    const id = Number(req.params.id) || 0;
    await topics.setNotificationLevel(req.viewer, id, Number(req.body.level));
    const { topic } = await topics.view(req.viewer, id, { limit: 1 });
    flash(reply, 'notice', 'Notification level saved.');
    return reply.redirect(`/t/${topic.slug}/${topic.id}`, 303);
  });

  app.post<{ Params: { id: string }; Body: Q }>('/t/:id/public', { schema: { hide: true } }, async (req, reply) => {
    const id = Number(req.params.id) || 0;
    if (req.body.confirm !== 'yes') {
      return renderTopic(core, req, reply, id, 0, {}, 'Tick the box to confirm: everyone who may read the category will see this conversation (whispers stay hidden).', 400);
    }
    const topic = await topics.makePublic(req.viewer, id, Number(req.body.categoryId) || 0);
    flash(reply, 'notice', 'The message is now a public topic.');
    return reply.redirect(`/t/${topic.slug}/${topic.id}`, 303);
  });

  app.post<{ Params: { id: string }; Body: Q }>('/t/:id/status', { schema: { hide: true } }, async (req, reply) => {
    const status = req.body.status === 'archived' ? 'archived' : 'closed';
    const topic = await topics.setStatus(req.viewer, Number(req.params.id) || 0, status, req.body.enabled === 'true');
    return reply.redirect(`/t/${topic.slug}/${topic.id}`, 303);
  });
}

/** A reply form's draft base (hidden fields the topic page writes); a form without them is sent unchecked. */
function draftFrom(body: Q): DraftBase | undefined {
  const seen = Number(body.draftSeen);
  const startedAt = new Date(body.draftStarted ?? '');
  return Number.isInteger(seen) && seen >= 0 && !Number.isNaN(startedAt.getTime()) ? { seenPostNumber: seen, startedAt } : undefined;
}

type ConflictView = { message: string; postNumber?: number };

async function renderTopic(core: Core, req: FastifyRequest, reply: FastifyReply, id: number, after: number, form: Q = {}, error?: string, status = 200, conflicts?: ConflictView[]) {
  const view = await core.services.topics.view(req.viewer, id, { afterPostNumber: after, limit: POSTS_PER_PAGE });
  const { topic } = view;
  const category = topic.category_id ? (await core.services.categories.list(req.viewer)).find((c) => c.id === topic.category_id) : null;
  const names = view.participants.userIds.length
    ? (await core.db.selectFrom('users').select('username').where('id', 'in', view.participants.userIds).execute()).map((u) => u.username) : [];
  const groups = view.participants.groupIds.length
    ? (await core.db.selectFrom('groups').select('name').where('id', 'in', view.participants.groupIds).execute()).map((g) => `@${g.name}`) : [];
  const canReply = req.viewer.id !== null && (isStaff(req.viewer) || (!topic.closed && !topic.archived));
  const elided = await elidedByPost(core.db, view.posts);
  const [canWhisper, suggested] = await Promise.all([
    canReply ? core.services.posts.canWhisper(req.viewer, topic) : false,
    core.services.suggestions.forTopic(req.viewer, topic, 20),
  ]);
  const shown = view.posts.map((p) => ({ ...postForView(p, req.viewer), elided: elided.get(p.id) }));
  // The draft starts now, against the newest post the viewer may know of (whispers count only for those who read them).
  const seen = canWhisper && !isStaff(req.viewer)
    ? (await core.db.selectFrom('topics').select('highest_staff_post_number').where('id', '=', topic.id).executeTakeFirstOrThrow()).highest_staff_post_number
    : topic.highest_staff_post_number;
  return renderPage(core, req, reply, 'topic', {
    title: topic.title, nav: topic.archetype === 'private_message' ? 'messages' : 'latest', topic, category, readState: view.readState,
    isMessage: topic.archetype === 'private_message', participants: [...names, ...groups].join(', '),
    posts: shown, more: shown.length === POSTS_PER_PAGE, lastShown: shown.at(-1)?.post_number ?? after,
    canReply, cannotReply: topic.archived ? 'This topic is archived.' : 'This topic is closed to new replies.',
    replyAction: `/t/${topic.id}/reply`, form, canWhisper, draft: { seen, started: core.clock().toISOString() },
    replyConflicts: conflicts ?? null, submitLabel: conflicts ? 'Send anyway' : undefined, whisperChecked: form.whisper === 'true',
    suggested: suggested.map((s) => ({ ...s.topic, reason: s.reason })),
    publicCategories: topic.archetype === 'private_message' && isStaff(req.viewer) ? await core.services.categories.list(req.viewer) : null, ...(error ? { flash: [{ kind: 'error', message: error }] } : {}),
  }, status);
}

