// The group inbox in the browser and the API: `/g/NAME/messages` with Inbox, New, Unread and
// Archive, archiving, and the inbox settings admins edit beside the group's own.
import { readFileSync } from 'node:fs';
import { ParleyError, Type, badInput, sql, type SqlBool, type Expression, notFound, requireAdmin, requireUser, type FastifyReply, type FastifyRequest, type PluginContext, type Viewer } from '../../core/plugin-api.ts';
import { registerActions } from './actions.ts';
import * as repo from './inbox.repo.ts';
import type { InboxFilterSet } from './hooks.ts';
import type { InboxDb, InboxFilter } from './inbox.repo.ts';
import { registerOnBehalf } from './on-behalf.ts';

type Ctx = PluginContext<{ quotedPosts: number }, repo.GroupInboxTables>;

const LABELS: Record<InboxFilter, string> = { inbox: 'Inbox', new: 'New', unread: 'Unread', archive: 'Archive', spam: 'Spam' };
const EMPTY: Record<InboxFilter, string> = {
  inbox: 'The inbox is empty: every message is archived, or none came yet.',
  new: 'Nothing new: you have opened every message in the inbox.',
  unread: 'Nothing unread.',
  archive: 'No archived messages.',
  spam: 'No spam. Messages marked as spam wait here until someone says "Not spam".',
};

const template = (name: string) => readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), 'utf8');
const SCRIPT = readFileSync(new URL('./assets/inbox.js', import.meta.url), 'utf8');

export function parseFilter(value: unknown): InboxFilter {
  return repo.FILTERS.includes(value as InboxFilter) ? value as InboxFilter : 'inbox';
}

/**
 * The group's SMTP server from a form or API body: a new URL, `clearSmtp` to send by the site's again, or nothing to keep what is set (the URL holds a password: it is never
 * shown back).
 */
export function smtpUrlIn(body: Record<string, unknown>): string | null | undefined {
  if (body.clearSmtp === true || body.clearSmtp === 'true') return null;
  const url = typeof body.smtpUrl === 'string' ? body.smtpUrl.trim() : '';
  if (!url) return undefined;
  if (!/^smtps?:\/\/[^\s]+$/i.test(url)) throw badInput('The SMTP server is a URL like smtps://user:password@smtp.example.com:465.', { field: 'smtpUrl' });
  return url;
}

/** "a@x.org, B@y.org  c@z.org" → lower-cased, de-duplicated, each checked. */
export function parseAddresses(text: string): string[] {
  const addresses = [...new Set(text.split(/[\s,;]+/).map((a) => a.trim().toLowerCase()).filter(Boolean))];
  const bad = addresses.find((a) => !repo.validAddress(a));
  if (bad) throw badInput(`"${bad}" is not an email address.`, { field: 'addresses' });
  if (addresses.length > 20) throw badInput('At most 20 addresses per group.', { field: 'addresses' });
  return addresses;
}

/** A list parameter a plugin may add (`assigned`, `status`): not one the inbox sets itself, and plain lower camel case. */
const pluginParam = (key: string) => key !== 'filter' && key !== 'page' && key !== 'groupId' && /^[a-z][A-Za-z]{0,20}$/.test(key);

/**
 * The list parameters of an inbox request besides `filter` and `page`, passed to the list for the
 * plugins that filter it (`assigned` from assign, `status` from message-status); anything odd-looking is dropped.
 */
export function listParams(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (!pluginParam(key)) continue;
    if (typeof value === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(value)) out[key] = value;
  }
  return out;
}

/**
 * The messages a tab holds, as a condition over `topics`. Read state is the viewer's own: "new" is
 * never opened, "unread" has posts past where they stopped, up to the newest they may count
 * (`counted`, the guardian's: a colleague's whisper is unread for the team). Spam is in no other
 * tab: not in the inbox, not in the archive.
 */
function tabCondition(filter: InboxFilter, groupId: number, userId: number, counted: Expression<number>) {
  const archived = sql<SqlBool>`exists (select 1 from group_inbox_archived a where a.topic_id = topics.id and a.group_id = ${groupId})`;
  const spam = sql<SqlBool>`exists (select 1 from group_inbox_spam s where s.topic_id = topics.id and s.group_id = ${groupId})`;
  const open = sql<SqlBool>`not ${archived} and not ${spam}`;
  return {
    inbox: open,
    archive: sql<SqlBool>`${archived} and not ${spam}`,
    new: sql<SqlBool>`${open} and not exists (select 1 from topic_users tu where tu.topic_id = topics.id and tu.user_id = ${userId})`,
    unread: sql<SqlBool>`${open} and exists (select 1 from topic_users tu where tu.topic_id = topics.id and tu.user_id = ${userId} and tu.last_read_post_number < ${counted})`,
    spam,
  }[filter];
}

/** Plugins' filter sets as the template shows them: each choice a link that keeps the other parameters. */
function filterPills(sets: InboxFilterSet[], base: string, params: Record<string, string | undefined>) {
  return sets.filter((set) => pluginParam(set.param)).map((set) => ({
    param: set.param, label: set.label,
    choices: set.choices.map((choice) => {
      const query = new URLSearchParams(Object.entries({ ...params, [set.param]: choice.value }).filter((e): e is [string, string] => !!e[1]));
      return { label: choice.label, key: choice.value || 'all', href: `${base}?${query.toString()}`, current: (params[set.param] ?? '') === choice.value,
        count: choice.count, hasCount: choice.count !== undefined };
    }),
  }));
}

/** The group's live messages in a tab, as a condition over `topics` that stands alone (for counting). */
const groupTab = (filter: InboxFilter, groupId: number, userId: number, counted: Expression<number>) => sql<SqlBool>`(topics.archetype = 'private_message' and topics.deleted_at is null
  and exists (select 1 from topic_allowed_groups tab_g where tab_g.topic_id = topics.id and tab_g.group_id = ${groupId})
  and ${tabCondition(filter, groupId, userId, counted)})`;

export function registerPages(ctx: Ctx): void {
  const db = ctx.db as unknown as InboxDb;
  ctx.web.view('inbox', template('inbox'));
  ctx.web.view('settings', template('settings'));
  ctx.web.view('on-behalf', template('on-behalf'));
  ctx.http.get('/group-inbox/inbox.js', { schema: { hide: true } }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT));
  ctx.web.outlet('head', (data) => (data.bulkActions ? '<script type="module" src="/group-inbox/inbox.js"></script>' : ''));

  /** The group, if the viewer may work its inbox: its members and admins. Anyone else learns nothing. */
  async function inboxGroup(viewer: Viewer, name: string) {
    const group = await db.selectFrom('groups').select(['id', 'name', 'full_name']).where('name_lower', '=', name.toLowerCase()).where('automatic', '=', false).executeTakeFirst();
    if (!group || viewer.id === null || !(viewer.admin || viewer.groupIds.includes(group.id))) throw notFound('That group inbox');
    return group;
  }

  const bulkBar = registerActions(ctx, db, inboxGroup);

  /** `extra`: further list parameters other plugins read (`assigned`, from the assign plugin). */
  /** `counted`: the guardian's newest post number the viewer may count (`countedPostNumber`), asked once per request. */
  async function page(viewer: Viewer & { id: number }, groupId: number, filter: InboxFilter, pageNo: number, extra: Record<string, string | undefined>, counted: Expression<number>) {
    const [list, counts] = await Promise.all([
      ctx.forum.lists.group(viewer, groupId, pageNo, { ...extra, filter }),
      repo.filterCounts(db, groupId, viewer.id, counted),
    ]);
    return { ...list, counts };
  }

  // Which messages each filter holds, on top of what the viewer may see (the guardian's part).
  ctx.hooks.onFilter('topic-list-query', async (conditions, { viewer, list, params }) => {
    if (list !== 'group' || !params.filter || !params.groupId) return conditions;
    const state = tabCondition(parseFilter(params.filter), Number(params.groupId), viewer.id ?? -1, await ctx.guardian.countedPostNumber(viewer));
    return [...conditions, () => state];
  });

  ctx.http.get<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>('/g/:name/messages', { schema: { hide: true } }, async (req, reply) => {
    if (!req.user) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    const filter = parseFilter(req.query.filter);
    const pageNo = Math.max(0, Math.min(10_000, Math.floor(Number(req.query.page ?? 0)) || 0));
    const extra = listParams(req.query);
    const counted = await ctx.guardian.countedPostNumber(viewer);
    const [data, settings, bulkActions, filterSets] = await Promise.all([
      page(viewer, group.id, filter, pageNo, extra, counted), repo.settingsOf(db, group.id), bulkBar(viewer, group, filter),
      ctx.hooks.filter('inbox-filter-sets', [], { viewer, group, filter, inTab: groupTab(filter, group.id, viewer.id, counted) }),
    ]);
    const base = `/g/${encodeURIComponent(group.name)}/messages`;
    return ctx.web.page(req, reply, 'inbox', {
      title: `${group.full_name || group.name}: messages`, nav: 'messages',
      group: { name: group.name, fullName: group.full_name }, addresses: settings?.addresses ?? [],
      tabs: repo.FILTERS.map((f) => ({ name: f, label: LABELS[f], count: data.counts[f], href: `${base}?${new URLSearchParams({ ...extra, filter: f }).toString()}`, current: f === filter })),
      filter, pagerQuery: new URLSearchParams({ filter, ...extra }).toString(), archived: filter === 'archive', spam: filter === 'spam', topics: data.topics,
      bulkActions, pageIds: data.topics.map((x) => x.id).join(','), forCustomerHref: `${base}/for-customer`, page: data.page, more: data.more, emptyText: EMPTY[filter],
      actionBase: base, filterSets: filterPills(filterSets, base, { filter, ...extra }), newMessageHref: `/new-message?group=${encodeURIComponent(group.name)}`,
      settingsHref: viewer.admin ? `/admin/group-inbox/${encodeURIComponent(group.name)}` : null,
    });
  });

  const archiveForm = (archived: boolean) => async (req: FastifyRequest<{ Params: { name: string; topicId: string }; Body: { back?: string } }>, reply: FastifyReply) => {
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    await setArchived(viewer, group.id, Number(req.params.topicId), archived);
    ctx.web.flash(reply, 'notice', archived ? 'Archived for the group.' : 'Moved back to the inbox.');
    const back = typeof req.body?.back === 'string' && req.body.back.startsWith(`/g/`) ? req.body.back : `/g/${encodeURIComponent(group.name)}/messages`;
    return reply.redirect(back, 303);
  };
  ctx.http.post('/g/:name/messages/:topicId/archive', { schema: { hide: true } }, archiveForm(true));
  ctx.http.post('/g/:name/messages/:topicId/unarchive', { schema: { hide: true } }, archiveForm(false));

  /** Archiving is for the group's messages the member can see; anything else is not found. */
  async function setArchived(viewer: Viewer & { id: number }, groupId: number, topicId: number, archived: boolean): Promise<void> {
    if (!Number.isInteger(topicId) || !(await repo.inboxGroupsOfTopic(db, topicId).then((ids) => ids.includes(groupId)))) throw notFound('That message');
    await ctx.guardian.ensureCanSeeTopic(ctx.db as never, viewer, topicId);
    if (archived) await repo.archive(db, groupId, [topicId], viewer.id);
    else await repo.unarchive(db, groupId, topicId);
    await ctx.realtime.publish(`/lists/group-inbox/${groupId}`, { type: archived ? 'archived' : 'unarchived', topicId, groupId, userId: viewer.id }, { topicId, groupIds: [groupId] });
  }

  const tags = ['group-inbox'];
  const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }) });
  ctx.http.get<{ Params: { name: string }; Querystring: { filter?: string; page?: number } & Record<string, unknown> }>('/api/group-inbox/:name', {
    schema: { tags, summary: 'A group inbox: Inbox, New, Unread, Archive or Spam (filter), 30 a page, with the count of each', params: Name,
      querystring: Type.Object({
        filter: Type.Optional(Type.Union(repo.FILTERS.map((f) => Type.Literal(f)))), page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
        assigned: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$', description: 'With the assign plugin: me, nobody, group or a username' })),
      }, { description: 'Further parameters are passed to the list for other plugins\' filters (status, …)' }) },
  }, async (req) => {
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    return page(viewer, group.id, parseFilter(req.query.filter), req.query.page ?? 0, listParams(req.query as Record<string, unknown>), await ctx.guardian.countedPostNumber(viewer));
  });

  ctx.http.put<{ Params: { name: string; topicId: number }; Body: { archived: boolean } }>('/api/group-inbox/:name/messages/:topicId', {
    schema: { tags, summary: 'Archive a message for the group, or move it back to the inbox', params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }), topicId: Type.Integer({ minimum: 1 }) }),
      body: Type.Object({ archived: Type.Boolean() }) },
  }, async (req) => {
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    await setArchived(viewer, group.id, req.params.topicId, req.body.archived);
    return { archived: req.body.archived };
  });

  registerOnBehalf(ctx, db, inboxGroup);
  registerSettings(ctx, db, inboxGroup);
}

function registerSettings(ctx: Ctx, db: InboxDb, inboxGroup: (viewer: Viewer, name: string) => Promise<{ id: number; name: string }>): void {
  ctx.web.outlet('admin-group', (data) => {
    const group = data.group as { name?: string } | undefined;
    if (!group?.name) return '';
    const href = `/admin/group-inbox/${encodeURIComponent(group.name)}`;
    return `<section class="card pad admin-card"><h2>Group inbox</h2><p>Incoming addresses, the From identity of replies and who may join a thread: <a href="${href}">inbox settings</a>.</p></section>`;
  });

  const view = (s: repo.InboxSettings) => ({ ...s, addressText: s.addresses.join(', '), fromAddress: s.fromAddress ?? '' });
  const render = (req: FastifyRequest, reply: FastifyReply, inbox: ReturnType<typeof view>, error?: ParleyError) =>
    ctx.web.page(req, reply, 'settings', {
      title: `Inbox of @${inbox.groupName}`, nav: 'admin', section: 'groups', inbox,
      ...(error ? { flash: [{ kind: 'error', message: error.message }] } : {}),
    }, error?.statusCode ?? 200);

  async function save(groupId: number, body: Record<string, unknown>): Promise<repo.InboxSettings> {
    const addresses = Array.isArray(body.addresses) ? parseAddresses((body.addresses as string[]).join(' ')) : parseAddresses(String(body.addresses ?? ''));
    const fromAddress = String(body.fromAddress ?? '').trim().toLowerCase() || null;
    if (fromAddress && !repo.validAddress(fromAddress)) throw badInput(`"${fromAddress}" is not an email address.`, { field: 'fromAddress' });
    const ccCap = Number(body.ccCap ?? 10);
    if (!Number.isInteger(ccCap) || ccCap < 0 || ccCap > 100) throw badInput('The Cc cap is a whole number from 0 to 100.', { field: 'ccCap' });
    const fromName = String(body.fromName ?? '').trim().slice(0, 100);
    const allowUnknownRepliers = body.allowUnknownRepliers === true || body.allowUnknownRepliers === 'true';
    const conflict = await repo.saveSettings(db, groupId, { addresses, fromName, fromAddress, ccCap, allowUnknownRepliers, smtpUrl: smtpUrlIn(body) });
    if (conflict) throw new ParleyError('CONFLICT', `${conflict.address} already reaches the group @${conflict.takenBy}; an address belongs to one group.`);
    return (await repo.settingsOf(db, groupId))!;
  }

  ctx.http.get<{ Params: { name: string } }>('/admin/group-inbox/:name', { schema: { hide: true } }, async (req, reply) => {
    if (!req.viewer.admin) throw notFound();
    const group = await inboxGroup(req.viewer, req.params.name);
    return render(req, reply, view((await repo.settingsOf(db, group.id))!));
  });

  ctx.http.post<{ Params: { name: string }; Body: Record<string, unknown> }>('/admin/group-inbox/:name', { schema: { hide: true } }, async (req, reply) => {
    if (!req.viewer.admin) throw notFound();
    const group = await inboxGroup(req.viewer, req.params.name);
    try {
      await save(group.id, req.body ?? {});
      ctx.web.flash(reply, 'notice', 'Inbox settings saved.');
      return reply.redirect(`/admin/group-inbox/${encodeURIComponent(group.name)}`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode >= 500) throw err;
      const current = (await repo.settingsOf(db, group.id))!;
      const body = req.body ?? {};
      return render(req, reply, { ...view(current), addressText: String(body.addresses ?? ''), fromName: String(body.fromName ?? ''), fromAddress: String(body.fromAddress ?? '') }, err);
    }
  });

  const tags = ['group-inbox'];
  const Settings = Type.Object({
    addresses: Type.Array(Type.String({ maxLength: 254 }), { maxItems: 20 }),
    fromName: Type.Optional(Type.String({ maxLength: 100 })),
    fromAddress: Type.Optional(Type.Union([Type.String({ maxLength: 254 }), Type.Null()])),
    allowUnknownRepliers: Type.Optional(Type.Boolean()),
    ccCap: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    smtpUrl: Type.Optional(Type.String({ maxLength: 2000 })),
    clearSmtp: Type.Optional(Type.Boolean()),
  });
  ctx.http.get<{ Params: { name: string } }>('/api/group-inbox/:name/settings', { schema: { tags, summary: 'A group inbox\'s addresses, From identity and rules (admin)' } }, async (req) => {
    requireAdmin(req);
    const group = await inboxGroup(req.viewer, req.params.name);
    return { settings: await repo.settingsOf(db, group.id) };
  });
  ctx.http.put<{ Params: { name: string }; Body: Record<string, unknown> }>('/api/group-inbox/:name/settings', { schema: { tags, summary: 'Set a group inbox\'s addresses, From identity and rules (admin)', body: Settings } }, async (req) => {
    requireAdmin(req);
    const group = await inboxGroup(req.viewer, req.params.name);
    return { settings: await save(group.id, req.body) };
  });
}
