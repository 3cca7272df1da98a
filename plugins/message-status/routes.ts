// Changing a message's status in the browser (forms that work without scripts) and the JSON API.
import { readFileSync } from 'node:fs';
import { badInput, ParleyError, requireUser, Type, type FastifyReply, type FastifyRequest, type Topic, type Viewer } from '../../core/plugin-api.ts';
import { changeStatus, closingNoteOf, isStatus, statesOf, workable, workedAmong, type Ctx, type MessageState, type StatusChange } from './status.ts';
import { closingFields } from './views.ts';

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
type Body = Record<string, string | undefined>;

const DONE: Record<string, string> = { open: 'The message is open.', pending: 'The message is pending: waiting for the customer.', solved: 'The message is solved.' };
const REPLIED: Record<string, string> = { open: 'Replied; the message stays open.', pending: 'Replied and set pending.', solved: 'Replied and marked solved.' };

const changeOf = (body: Body): StatusChange => ({ status: body.status as StatusChange['status'], action: body.action, note: body.note, handledBy: body.handledBy });

/** A state as the API shows it. */
const json = (s: MessageState) => ({
  status: s.status, changedAt: s.changedAt, changedBy: s.changedBy, closingNote: s.closingNote,
  customerLastPostAt: s.customerLastPostAt, waiting: s.wait, waitingMinutes: s.waitingMinutes,
});

export function registerRoutes(ctx: Ctx): void {
  const script = asset('message-status.js');
  const css = asset('message-status.css');
  ctx.http.get('/message-status/message-status.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script));
  ctx.http.get('/message-status/message-status.css', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(css));
  ctx.web.view('reply', readFileSync(new URL('./templates/reply.hbs', import.meta.url), 'utf8'));

  // The status forms of the topic page. A mistake (no closing action) comes back as a notice on the page; a stranger gets 404.
  ctx.http.post<{ Params: { id: string }; Body: Body }>('/t/:id/message-status', { schema: { hide: true } }, async (req, reply) => {
    const viewer = requireUser(req);
    const topicId = Number(req.params.id) || 0;
    try {
      const { changed, state } = await changeStatus(ctx, viewer, topicId, changeOf(req.body ?? {}));
      ctx.web.flash(reply, 'notice', changed ? DONE[state.status] : `The message was already ${state.status}.`);
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode === 404 || err.statusCode >= 500) throw err;
      ctx.web.flash(reply, 'error', err.message);
    }
    return reply.redirect(`/t/x/${topicId}`, 303);
  });

  ctx.http.post<{ Params: { id: string }; Body: Body }>('/t/:id/message-status/reply', { schema: { hide: true } }, (req, reply) => replyAndSet(ctx, req, reply));

  const tags = ['message-status'];
  const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
  ctx.http.get<{ Params: { id: number } }>('/api/t/:id/message-status', {
    schema: { tags, summary: 'A group message\'s status, closing notes and the customer\'s wait (its team and staff only; 404 to anyone else)', params: Id },
  }, async (req) => {
    const viewer = requireUser(req);
    await workable(ctx, viewer, req.params.id);
    const notes = await ctx.db.selectFrom('message_status_closing_notes').leftJoin('users as h', 'h.id', 'message_status_closing_notes.handled_by')
      .leftJoin('users as w', 'w.id', 'message_status_closing_notes.written_by')
      .select(['message_status_closing_notes.action', 'message_status_closing_notes.note', 'message_status_closing_notes.created_at', 'h.username as handledBy', 'w.username as writtenBy'])
      .where('message_status_closing_notes.topic_id', '=', req.params.id).orderBy('message_status_closing_notes.id').execute();
    const state = (await statesOf(ctx, [req.params.id])).get(req.params.id)!;
    return { ...json(state), closingNotes: notes.map((n) => ({ action: n.action, note: n.note, handledBy: n.handledBy, writtenBy: n.writtenBy, at: n.created_at })), closingActions: ctx.settings.get().closingActions };
  });

  ctx.http.put<{ Params: { id: number }; Body: StatusChange }>('/api/t/:id/message-status', {
    schema: { tags, summary: 'Set a group message open, pending or solved (a solve needs a closing note: an action from the configured list, and text)', params: Id,
      body: Type.Object({
        status: Type.Union([Type.Literal('open'), Type.Literal('pending'), Type.Literal('solved')]),
        action: Type.Optional(Type.String({ maxLength: 60, description: 'Solved: one of the closing actions (GET shows them)' })),
        note: Type.Optional(Type.String({ maxLength: 2000, description: 'Solved: what was done' })),
        handledBy: Type.Optional(Type.String({ maxLength: 40, description: 'Solved: the username of the team member who handled it (default: you)' })),
      }) },
  }, async (req) => {
    const { changed, state } = await changeStatus(ctx, requireUser(req), req.params.id, req.body);
    return { changed, ...json(state) };
  });

  ctx.http.get<{ Querystring: { topics: string } }>('/api/message-status', {
    schema: { tags, summary: 'The statuses of several messages (comma-separated topic ids); messages you do not work are left out', querystring: Type.Object({ topics: Type.String({ pattern: '^[0-9]{1,10}(,[0-9]{1,10}){0,99}$' }) }) },
  }, async (req) => {
    const viewer: Viewer = requireUser(req);
    const worked = await workedAmong(ctx.db, viewer, req.query.topics.split(',').map(Number));
    const states = await statesOf(ctx, worked);
    return { statuses: Object.fromEntries([...states].map(([id, s]) => [id, json(s)])) };
  });
}

/**
 * "Reply and set pending / mark solved": posts the reply as the topic page's composer would, then
 * sets the status. The closing note is checked first, so a mistake posts nothing; it comes back on
 * a page of its own with the draft kept.
 */
async function replyAndSet(ctx: Ctx, req: FastifyRequest<{ Params: { id: string }; Body: Body }>, reply: FastifyReply) {
  const viewer = requireUser(req);
  const body = req.body ?? {};
  const topic = await workable(ctx, viewer, Number(req.params.id) || 0);
  const change = changeOf(body);
  let post;
  try {
    if (!isStatus(change.status)) throw badInput('Choose what to set the message to: open, pending or solved.', { field: 'status' });
    if (change.status === 'solved') closingNoteOf(ctx.settings.get(), change);
    post = await ctx.forum.posts.reply(viewer, topic.id, {
      raw: body.raw ?? '', replyToPostNumber: Number(body.replyTo) || null,
      whisper: body.whisper === 'true' ? true : body.whisperToggle ? false : undefined, draft: draftFrom(body),
    });
  } catch (err) {
    if (!(err instanceof ParleyError) || err.statusCode === 404 || err.statusCode >= 500) throw err;
    return notSent(ctx, req, reply, topic, body, err);
  }
  try {
    await changeStatus(ctx, viewer, topic.id, change);
    ctx.web.flash(reply, 'notice', REPLIED[change.status]);
  } catch (err) {
    if (!(err instanceof ParleyError) || err.statusCode >= 500) throw err;
    ctx.web.flash(reply, 'error', `Your reply was posted, but the status was not changed: ${err.message}`);
  }
  return reply.redirect(`/t/${topic.slug}/${topic.id}#post-${post.post_number}`, 303);
}

/** A reply form's draft base (the hidden fields of the topic page's composer); without them the reply is sent unchecked. */
function draftFrom(body: Body): { seenPostNumber: number; startedAt: Date } | undefined {
  const seen = Number(body.draftSeen);
  const startedAt = new Date(body.draftStarted ?? '');
  return body.draftSeen && Number.isInteger(seen) && seen >= 0 && !Number.isNaN(startedAt.getTime()) ? { seenPostNumber: seen, startedAt } : undefined;
}

/**
 * The reply was not sent: the draft comes back with the reason. When something happened since the
 * draft started (a 409 listing it), the page names it and the next send is checked against now.
 */
async function notSent(ctx: Ctx, req: FastifyRequest, reply: FastifyReply, topic: Topic, body: Body, err: ParleyError) {
  const conflicts = err.statusCode === 409 && Array.isArray(err.details?.conflicts) ? err.details.conflicts as Array<{ message: string; postNumber?: number }> : null;
  let draft = { seen: body.draftSeen ?? '', started: body.draftStarted ?? '' };
  if (conflicts) {
    const row = await ctx.db.selectFrom('topics').select('highest_staff_post_number').where('id', '=', topic.id).executeTakeFirstOrThrow();
    draft = { seen: String(row.highest_staff_post_number), started: ctx.now().toISOString() };
  }
  return ctx.web.page(req, reply, 'reply', {
    title: 'Reply not sent', nav: 'messages', topic: { id: topic.id, slug: topic.slug, title: topic.title }, form: body, draft, conflicts,
    flash: [{ kind: 'error', message: err.message }], closingFields: closingFields(ctx.settings.get(), false, body),
    statuses: (['open', 'pending', 'solved'] as const).map((s) => ({ value: s, label: s, selected: s === body.status })),
  }, err.statusCode);
}
