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

/** How many replies the library page lists: the most used first, the search finds the rest. */
const PAGE_LIMIT = 100;
const libraryHref = (name: string) => `/g/${encodeURIComponent(name)}/canned-replies`;

type Req = FastifyRequest<{ Params: { name: string; id?: string }; Querystring: { q?: string }; Body: Record<string, string> }>;

/** A form's error worth showing on the form again (what to fix); anything else (404, 500) goes on as it is. */
const formError = (err: unknown): ParleyError | null => (err instanceof ParleyError && (err.statusCode === 400 || err.statusCode === 409) ? err : null);

type FormValues = { title?: string; body?: string };
type Show = (req: Req, reply: FastifyReply, form?: FormValues, error?: ParleyError) => Promise<FastifyReply>;

export function registerPages(ctx: Ctx): void {
  ctx.web.partial('form', template('form'));
  ctx.web.partial('variables', template('variables'));
  ctx.web.view('library', template('library'));
  ctx.web.view('edit', template('edit'));
  ctx.http.get('/canned-replies/canned-replies.js', { schema: { hide: true } },
    async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT));
  const { showLibrary, showEdit } = renderers(ctx);

  const signedIn = (show: Show) => async (req: Req, reply: FastifyReply) =>
    (req.user ? show(req, reply) : reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303));
  /** A form post: done, a notice and a redirect; a mistake, the form again with what was typed and what to fix. */
  const submit = (act: (req: Req) => Promise<{ notice: string; to: string }>, again: Show) => async (req: Req, reply: FastifyReply) => {
    try {
      const done = await act(req);
      ctx.web.flash(reply, 'notice', done.notice);
      return reply.redirect(done.to, 303);
    } catch (err) {
      const shown = formError(err);
      if (!shown) throw err;
      return again(req, reply, { title: req.body?.title, body: req.body?.body }, shown);
    }
  };

  const hide = { schema: { hide: true } };
  ctx.http.get('/g/:name/canned-replies', hide, signedIn(showLibrary));
  ctx.http.get('/g/:name/canned-replies/:id/edit', hide, signedIn(showEdit));
  ctx.http.post('/g/:name/canned-replies', hide, submit(async (req) => {
    const entry = await library.create(ctx, requireUser(req), req.params.name, req.body ?? {});
    return { notice: `Added “${entry.title}”.`, to: `${libraryHref(entry.groupName)}#canned-reply-${entry.id}` };
  }, showLibrary));
  ctx.http.post('/g/:name/canned-replies/:id', hide, submit(async (req) => {
    const entry = await library.update(ctx, requireUser(req), Number(req.params.id), { title: req.body?.title ?? '', body: req.body?.body ?? '' });
    return { notice: `Saved “${entry.title}”.`, to: libraryHref(entry.groupName) };
  }, showEdit));
  ctx.http.post('/g/:name/canned-replies/:id/delete', hide, submit(async (req) => {
    const entry = await library.remove(ctx, requireUser(req), Number(req.params.id));
    return { notice: `Deleted “${entry.title}”.`, to: libraryHref(entry.groupName) };
  }, showLibrary));

  registerOutlets(ctx);
}

/** The library page (searched, with the new-reply form) and a reply's edit page, either with a form's error. */
function renderers(ctx: Ctx): { showLibrary: Show; showEdit: Show } {
  const withError = (error?: ParleyError) => (error ? { flash: [{ kind: 'error', message: error.message }] } : {});
  return {
    async showLibrary(req, reply, form = {}, error) {
      const viewer = requireUser(req);
      const lib = await library.libraryNamed(ctx, viewer, req.params.name);
      const q = String(req.query.q ?? '').slice(0, 200);
      const { replies } = await library.search(ctx, viewer, { group: lib.group.name, q, limit: PAGE_LIMIT });
      return ctx.web.page(req, reply, 'library', {
        title: `Canned replies of @${lib.group.name}`, group: { name: lib.group.name, fullName: lib.group.full_name }, canManage: lib.canManage,
        q, replies, capped: replies.length === PAGE_LIMIT, form, newAction: libraryHref(lib.group.name), variables: variableList(), ...withError(error),
      }, error?.statusCode ?? 200);
    },
    async showEdit(req, reply, form, error) {
      const { entry, library: lib } = await library.get(ctx, requireUser(req), Number(req.params.id));
      if (entry.groupName.toLowerCase() !== req.params.name.toLowerCase() || !lib.canManage) throw new ParleyError('NOT_FOUND', 'That canned reply does not exist or you are not allowed to change it.');
      return ctx.web.page(req, reply, 'edit', {
        title: `Edit “${entry.title}”`, group: { name: entry.groupName }, entry, form: form ?? entry, variables: variableList(),
        action: `${libraryHref(entry.groupName)}/${entry.id}`, cancel: libraryHref(entry.groupName), ...withError(error),
      }, error?.statusCode ?? 200);
    },
  };
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
    return `<p class="hint"><a href="${escapeHtml(libraryHref(group.name))}" data-canned-replies-link>Canned replies of @${escapeHtml(group.name)}</a></p>`;
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
