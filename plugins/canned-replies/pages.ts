// The library in the browser: `/g/NAME/canned-replies` (search; add, edit and delete for admins and
// owners, working without scripts), links to it from the group page and the inbox, and the picker
// in the composer of a group message.
import { readFileSync } from 'node:fs';
import { escapeHtml, ParleyError, requireUser, type FastifyReply, type FastifyRequest } from '../../core/plugin-api.ts';
import * as library from './library.ts';
import type { Ctx } from './replies.repo.ts';
import { variableList } from './variables.ts';

const template = (name: string) => readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), 'utf8');
const SCRIPT = readFileSync(new URL('./assets/canned-replies.js', import.meta.url), 'utf8');

const libraryHref = (name: string) => `/g/${encodeURIComponent(name)}/canned-replies`;

type Req = FastifyRequest<{ Params: { name: string; id?: string }; Querystring: { q?: string }; Body: Record<string, string> }>;

/** A form's error worth showing on the form again (what to fix); anything else (404, 500) goes on as it is. */
const formError = (err: unknown): ParleyError | null => (err instanceof ParleyError && (err.statusCode === 400 || err.statusCode === 409) ? err : null);

export function registerPages(ctx: Ctx): void {
  ctx.web.partial('form', template('form'));
  ctx.web.partial('variables', template('variables'));
  ctx.web.view('library', template('library'));
  ctx.web.view('edit', template('edit'));
  ctx.http.get('/canned-replies/canned-replies.js', { schema: { hide: true } },
    async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT));

  async function showLibrary(req: Req, reply: FastifyReply, form: { title?: string; body?: string } = {}, error?: ParleyError) {
    const viewer = requireUser(req);
    const lib = await library.libraryNamed(ctx, viewer, req.params.name);
    const q = String(req.query.q ?? '').slice(0, 200);
    const { replies } = await library.search(ctx, viewer, { group: lib.group.name, q, limit: 100 });
    return ctx.web.page(req, reply, 'library', {
      title: `Canned replies of @${lib.group.name}`, group: { name: lib.group.name, fullName: lib.group.full_name }, canManage: lib.canManage,
      q, replies, form, newAction: libraryHref(lib.group.name), variables: variableList(),
      ...(error ? { flash: [{ kind: 'error', message: error.message }] } : {}),
    }, error?.statusCode ?? 200);
  }

  async function showEdit(req: Req, reply: FastifyReply, form?: { title?: string; body?: string }, error?: ParleyError) {
    const viewer = requireUser(req);
    const { entry, library: lib } = await library.get(ctx, viewer, Number(req.params.id));
    if (entry.groupName.toLowerCase() !== req.params.name.toLowerCase() || !lib.canManage) throw new ParleyError('NOT_FOUND', 'That canned reply does not exist or you are not allowed to change it.');
    return ctx.web.page(req, reply, 'edit', {
      title: `Edit “${entry.title}”`, group: { name: entry.groupName }, entry, form: form ?? entry, variables: variableList(),
      action: `${libraryHref(entry.groupName)}/${entry.id}`, cancel: libraryHref(entry.groupName),
      ...(error ? { flash: [{ kind: 'error', message: error.message }] } : {}),
    }, error?.statusCode ?? 200);
  }

  const signedIn = (handler: (req: Req, reply: FastifyReply) => Promise<FastifyReply>) => async (req: Req, reply: FastifyReply) =>
    (req.user ? handler(req, reply) : reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303));

  ctx.http.get('/g/:name/canned-replies', { schema: { hide: true } }, signedIn((req, reply) => showLibrary(req, reply)));
  ctx.http.post('/g/:name/canned-replies', { schema: { hide: true } }, async (req: Req, reply) => {
    const body = req.body ?? {};
    try {
      const entry = await library.create(ctx, requireUser(req), req.params.name, body);
      ctx.web.flash(reply, 'notice', `Added “${entry.title}”.`);
      return reply.redirect(`${libraryHref(entry.groupName)}#canned-reply-${entry.id}`, 303);
    } catch (err) {
      const shown = formError(err);
      if (!shown) throw err;
      return showLibrary(req, reply, { title: body.title, body: body.body }, shown);
    }
  });
  ctx.http.get('/g/:name/canned-replies/:id/edit', { schema: { hide: true } }, signedIn((req, reply) => showEdit(req, reply)));
  ctx.http.post('/g/:name/canned-replies/:id', { schema: { hide: true } }, async (req: Req, reply) => {
    const body = req.body ?? {};
    try {
      const entry = await library.update(ctx, requireUser(req), Number(req.params.id), { title: body.title ?? '', body: body.body ?? '' });
      ctx.web.flash(reply, 'notice', `Saved “${entry.title}”.`);
      return reply.redirect(libraryHref(entry.groupName), 303);
    } catch (err) {
      const shown = formError(err);
      if (!shown) throw err;
      return showEdit(req, reply, { title: body.title, body: body.body }, shown);
    }
  });
  ctx.http.post('/g/:name/canned-replies/:id/delete', { schema: { hide: true } }, async (req: Req, reply) => {
    const entry = await library.remove(ctx, requireUser(req), Number(req.params.id));
    ctx.web.flash(reply, 'notice', `Deleted “${entry.title}”.`);
    return reply.redirect(libraryHref(entry.groupName), 303);
  });

  registerOutlets(ctx);
}

interface PickerData { topicId: number; libraries: Array<{ name: string; fullName: string; canManage: boolean }> }

function registerOutlets(ctx: Ctx): void {
  // The group's page, to members and admins.
  ctx.web.outlet('group-actions', (data) => {
    const group = data.group as { name?: string } | undefined;
    const me = data.me as { admin?: boolean } | null;
    if (!group?.name || !(data.member || me?.admin)) return '';
    return `<a class="button" href="${escapeHtml(libraryHref(group.name))}" data-canned-replies-link>Canned replies</a>`;
  });

  // The inbox (only members and admins ever see it).
  ctx.web.outlet('inbox-filters', (data) => {
    const group = data.group as { name?: string } | undefined;
    if (!group?.name || !data.actionBase) return '';
    return `<p class="hint" style="margin:.25rem 0 .75rem"><a href="${escapeHtml(libraryHref(group.name))}" data-canned-replies-link>Canned replies of @${escapeHtml(group.name)}</a></p>`;
  });

  // Which libraries the reply composer of a group message offers: those of its groups the viewer is in.
  ctx.hooks.onFilter('page-data', async (data, { view, viewer }) => {
    const topic = data.topic as { id?: number } | undefined;
    if (view !== 'topic' || !data.isMessage || !data.canReply || !topic?.id || viewer.id === null) return data;
    try {
      const libraries = await library.librariesForTopic(ctx, viewer, topic.id);
      if (libraries.length === 0) return data;
      const picker: PickerData = { topicId: topic.id, libraries: libraries.map((l) => ({ name: l.group.name, fullName: l.group.full_name, canManage: l.canManage })) };
      return { ...data, cannedReplies: picker };
    } catch (err) {
      ctx.log.warn({ err, topicId: topic.id }, 'could not find the canned reply libraries of a message');
      return data;
    }
  });

  ctx.web.outlet('composer-fields', (data) => {
    const picker = data.cannedReplies as PickerData | undefined;
    return picker ? pickerHtml(picker) : '';
  });
}

/**
 * The picker: a button that opens a search box over the message's libraries. The script shows the
 * button (`hidden` would lose to the site's `button { display }`); without it, there are the links.
 */
function pickerHtml({ topicId, libraries }: PickerData): string {
  const links = libraries.map((l) => `<a href="${escapeHtml(libraryHref(l.name))}" target="_blank" rel="noopener">@${escapeHtml(l.name)}</a>`).join(', ');
  return `<div class="canned-replies autocomplete" data-canned-replies data-topic-id="${topicId}">
  <div class="form-actions">
    <button type="button" data-canned-open aria-expanded="false" aria-controls="canned-replies-panel" aria-keyshortcuts="Alt+Shift+C" title="Alt+Shift+C in the reply box" style="display:none">Insert canned reply</button>
    <span class="hint">Canned replies: ${links}</span>
  </div>
  <div id="canned-replies-panel" class="stack" data-canned-panel hidden style="margin-top:.5rem">
    <label for="canned-replies-search">Search canned replies <span class="hint">↑ ↓ to choose, Enter to insert at the cursor, Esc to go back.</span></label>
    <input id="canned-replies-search" type="search" autocomplete="off" spellcheck="false" placeholder="Title or words of the reply" data-canned-search
      role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="canned-replies-options">
    <ul id="canned-replies-options" role="listbox" aria-label="Canned replies" data-canned-options hidden></ul>
    <p class="hint" role="status" data-canned-status style="margin:0"></p>
  </div>
</div>
<script type="module" src="/canned-replies/canned-replies.js"></script>`;
}
