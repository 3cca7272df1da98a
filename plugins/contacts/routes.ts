// The contact page (`/contacts/ID`, with forms that work without scripts) and its JSON API.
import { readFileSync } from 'node:fs';
import { ParleyError, requireUser, Type, type FastifyReply, type FastifyRequest, type Viewer } from '../../core/plugin-api.ts';
import type { Ctx } from './contacts.repo.ts';
import { addNote, details, editNote, MAX_NOTE, messagesPage, openContact, removeNote, type Contact } from './contacts.ts';
import { mergeInto, type MergeResult } from './merge.ts';

const pageNumber = (value: unknown) => Math.max(0, Math.min(10_000, Math.floor(Number(value ?? 0)) || 0));

const said = (r: MergeResult) => (r.result === 'added'
  ? `Added ${r.address}: mail from it lands on this contact.`
  : `Merged ${r.from} into this contact: ${r.messages} message${r.messages === 1 ? '' : 's'} moved here.`);

export function registerRoutes(ctx: Ctx): void {
  ctx.web.view('contact', readFileSync(new URL('./templates/contact.hbs', import.meta.url), 'utf8'));

  type Req = FastifyRequest<{ Params: { id: string; noteId?: string }; Body: Record<string, string>; Querystring: { page?: string } }>;
  ctx.http.get('/contacts/:id', { schema: { hide: true } }, async (req: Req, reply) => {
    const contact = await openContact(ctx, req.viewer, Number(req.params.id));
    const [info, messages] = await Promise.all([details(ctx, req.viewer, contact), messagesPage(ctx, req.viewer, contact, pageNumber(req.query.page))]);
    return ctx.web.page(req, reply, 'contact', { title: `${contact.name || contact.username}: contact`, nav: 'messages', ...info, messages });
  });

  /** A form's action, then back to the page with what happened (or why not) as a flash. */
  const form = (action: (viewer: Viewer & { id: number }, contact: Contact, req: Req) => Promise<string>) => async (req: Req, reply: FastifyReply) => {
    const contact = await openContact(ctx, req.viewer, Number(req.params.id));
    try {
      ctx.web.flash(reply, 'notice', await action(requireUser(req), contact, req));
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode === 404 || err.statusCode >= 500) throw err;
      ctx.web.flash(reply, 'error', err.message);
    }
    return reply.redirect(`/contacts/${contact.id}`, 303);
  };
  const noteId = (req: Req) => Number(req.params.noteId);
  ctx.http.post('/contacts/:id/notes', { schema: { hide: true } }, form(async (v, c, req) => { await addNote(ctx, v, c, req.body?.raw); return 'Note added.'; }));
  ctx.http.post('/contacts/:id/notes/:noteId', { schema: { hide: true } }, form(async (v, c, req) => { await editNote(ctx, v, c, noteId(req), req.body?.raw); return 'Note saved.'; }));
  ctx.http.post('/contacts/:id/notes/:noteId/delete', { schema: { hide: true } }, form(async (v, c, req) => { await removeNote(ctx, v, c, noteId(req)); return 'Note deleted.'; }));
  ctx.http.post('/contacts/:id/merge', { schema: { hide: true } }, form(async (v, c, req) => said(await mergeInto(ctx, v, c, String(req.body?.address ?? '')))));

  registerApi(ctx);
}

function registerApi(ctx: Ctx): void {
  const tags = ['contacts'];
  const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
  const NoteId = Type.Object({ id: Type.Integer({ minimum: 1 }), noteId: Type.Integer({ minimum: 1 }) });
  const NoteBody = Type.Object({ raw: Type.String({ minLength: 1, maxLength: MAX_NOTE }) });
  type P = { Params: { id: number; noteId: number } };
  // Anyone not on the team, visitors included, learns nothing: not found.
  const open = (req: FastifyRequest<P>) => openContact(ctx, req.viewer, req.params.id);

  ctx.http.get<P>('/api/contacts/:id', { schema: { tags, summary: 'A contact: the person, every address, case notes and history (the team)', params: Id } },
    async (req) => details(ctx, req.viewer, await open(req)));
  ctx.http.get<P & { Querystring: { page?: number } }>('/api/contacts/:id/messages', {
    schema: { tags, summary: 'The contact\'s group messages the viewer may see, newest first, 30 a page, with their groups', params: Id,
      querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) }) },
  }, async (req) => messagesPage(ctx, req.viewer, await open(req), req.query.page ?? 0));
  ctx.http.post<P & { Body: { raw: string } }>('/api/contacts/:id/notes', { schema: { tags, summary: 'Add a case note (Markdown)', params: Id, body: NoteBody } },
    async (req, reply) => {
      const contact = await open(req);
      return reply.status(201).send({ note: await addNote(ctx, requireUser(req), contact, req.body.raw) });
    });
  ctx.http.put<P & { Body: { raw: string } }>('/api/contacts/:id/notes/:noteId', { schema: { tags, summary: 'Edit a case note (its author, or an admin)', params: NoteId, body: NoteBody } },
    async (req) => ({ note: await editNote(ctx, req.viewer, await open(req), req.params.noteId, req.body.raw) }));
  ctx.http.delete<P>('/api/contacts/:id/notes/:noteId', { schema: { tags, summary: 'Delete a case note (its author, or an admin)', params: NoteId } },
    async (req) => { await removeNote(ctx, req.viewer, await open(req), req.params.noteId); return { deleted: true }; });
  ctx.http.post<P & { Body: { address: string } }>('/api/contacts/:id/merge', {
    schema: { tags, summary: 'Merge an address (or a staged account\'s username) into the contact; a signed-up account\'s is refused (409)', params: Id,
      body: Type.Object({ address: Type.String({ minLength: 1, maxLength: 254 }) }) },
  }, async (req) => {
    const contact = await open(req);
    const merged = await mergeInto(ctx, requireUser(req), contact, req.body.address);
    return { ...merged, message: said(merged), ...(await details(ctx, req.viewer, await openContact(ctx, req.viewer, contact.id))) };
  });
}
