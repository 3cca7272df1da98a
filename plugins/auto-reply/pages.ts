// Where people meet the auto-reply: the group's settings (admins and the group's owners), and the
// decision on each message, which only the team sees (its groups' members and staff).
import { readFileSync } from 'node:fs';
import { escapeHtml, isStaff, notFound, ParleyError, requireUser, Type, badInput, type FastifyReply, type FastifyRequest, type Viewer } from '../../core/plugin-api.ts';
import * as repo from './auto-reply.repo.ts';
import type { Ctx, Decision, GroupAutoReply } from './auto-reply.repo.ts';
import { REASONS } from './decide.ts';
import { VARIABLES, checkVariables } from './template.ts';

/** What the team is told of a message's auto-reply (the page, the JSON API). */
export function present(row: Decision) {
  const at = (d: Date | null) => (d ? d.toISOString() : null);
  const reasonText = row.reason ? REASONS[row.reason] ?? row.reason : null;
  const summary = row.state === 'sent' ? `Sent at ${utc(row.decided_at!)} to ${row.address}.`
    : row.state === 'pending' ? `Due at ${utc(row.due_at)}, unless someone answers first.`
      : `Not sent: ${reasonText}${row.detail ? ` (${row.detail})` : ''}.`;
  return { state: row.state, reason: row.reason, reasonText, detail: row.detail, address: row.address, dueAt: at(row.due_at), decidedAt: at(row.decided_at), sentAt: row.state === 'sent' ? at(row.decided_at) : null, summary };
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Staff, or a member of one of the message's groups. */
async function isTeam(ctx: Ctx, viewer: Viewer, topicId: number): Promise<boolean> {
  if (viewer.id === null) return false;
  if (isStaff(viewer)) return true;
  const mine = viewer.groupIds.filter((g) => g !== 0);
  if (mine.length === 0) return false;
  return (await ctx.db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topicId).where('group_id', 'in', mine).executeTakeFirst()) !== undefined;
}

export function registerTopicView(ctx: Ctx): void {
  ctx.hooks.onFilter('page-data', async (data, { view, viewer }) => {
    const topic = data.topic as { id?: number } | undefined;
    if (view !== 'topic' || !topic?.id || !(await isTeam(ctx, viewer, topic.id))) return data;
    const row = await repo.decisionOf(ctx.db, topic.id);
    return row ? { ...data, autoReply: present(row) } : data;
  });
  ctx.web.outlet('topic-sidebar', (data) => {
    const a = data.autoReply as ReturnType<typeof present> | undefined;
    if (!a) return '';
    return `<section class="card pad auto-reply" data-auto-reply="${escapeHtml(a.state)}"${a.reason ? ` data-auto-reply-reason="${escapeHtml(a.reason)}"` : ''}><h2>Auto-reply</h2><p class="muted">${escapeHtml(a.summary)}</p></section>`;
  });
  ctx.http.get<{ Params: { id: number } }>('/api/t/:id/auto-reply', {
    schema: { tags: ['auto-reply'], summary: 'The auto-reply of a message: due, sent (when), or not sent (why); its team only', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) },
  }, async (req) => {
    const viewer = requireUser(req);
    if (!(await isTeam(ctx, viewer, req.params.id)) || !(await ctx.guardian.canSeeTopic(ctx.db as never, viewer, req.params.id))) throw notFound('That message');
    const row = await repo.decisionOf(ctx.db, req.params.id);
    return { autoReply: row ? present(row) : null };
  });
}

const SettingsBody = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  delayMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10080 })),
  perAddressPerHour: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  body: Type.Optional(Type.String({ minLength: 1, maxLength: 10000 })),
});

/** A whole number in a range, from a form or JSON; `fallback` when absent. */
function wholeNumber(value: unknown, fallback: number, min: number, max: number, field: string, what: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw badInput(`${what} is a whole number from ${min} to ${max}.`, { field });
  return n;
}

/** The settings after a change: what the body says, the rest as it was. */
export function merged(current: GroupAutoReply, body: Record<string, unknown>): GroupAutoReply {
  const subject = body.subject === undefined ? current.subject : String(body.subject).replace(/[\r\n]+/g, ' ').trim();
  const text = body.body === undefined ? current.body : String(body.body).replace(/\r\n/g, '\n').trim();
  if (!subject || subject.length > 200) throw badInput('The subject needs 1 to 200 characters.', { field: 'subject' });
  if (!text || text.length > 10000) throw badInput('The text needs 1 to 10000 characters.', { field: 'body' });
  checkVariables(subject, 'subject');
  checkVariables(text, 'body');
  return {
    groupId: current.groupId,
    enabled: body.enabled === undefined ? current.enabled : body.enabled === true || body.enabled === 'true',
    delayMinutes: wholeNumber(body.delayMinutes, current.delayMinutes, 0, 10080, 'delayMinutes', 'The delay'),
    perAddressPerHour: wholeNumber(body.perAddressPerHour, current.perAddressPerHour, 1, 100, 'perAddressPerHour', 'The hourly limit'),
    subject, body: text,
  };
}

export function registerSettings(ctx: Ctx): void {
  ctx.web.view('settings', readFileSync(new URL('./templates/settings.hbs', import.meta.url), 'utf8'));
  ctx.web.outlet('admin-group', (data) => {
    const group = data.group as { name?: string; automatic?: boolean } | undefined;
    if (!group?.name || group.automatic) return '';
    return `<section class="card pad admin-card"><h2>Auto-reply</h2><p>An acknowledgement of new mail after a delay, unless someone has answered: <a href="/g/${encodeURIComponent(group.name)}/auto-reply" data-auto-reply-link>auto-reply settings</a>.</p></section>`;
  });

  /** The group, if the viewer may set its auto-reply (an admin, or an owner of the group); anyone else learns nothing. */
  async function editableGroup(viewer: Viewer, name: string) {
    const group = await ctx.db.selectFrom('groups').select(['id', 'name', 'full_name']).where('name_lower', '=', name.toLowerCase()).where('automatic', '=', false).executeTakeFirst();
    if (!group || viewer.id === null || !(viewer.admin || await repo.isOwner(ctx.db, group.id, viewer.id))) throw notFound('That group');
    return group;
  }

  const variables = Object.entries(VARIABLES).map(([name, description]) => ({ name: `{{${name}}}`, description }));
  const render = (req: FastifyRequest, reply: FastifyReply, group: { name: string }, settings: GroupAutoReply, error?: ParleyError) =>
    ctx.web.page(req, reply, 'settings', {
      title: `Auto-reply of @${group.name}`, nav: 'admin', section: 'groups', group, settings, variables,
      ...(error ? { flash: [{ kind: 'error', message: error.message }] } : {}),
    }, error?.statusCode ?? 200);

  ctx.http.get<{ Params: { name: string } }>('/g/:name/auto-reply', { schema: { hide: true } }, async (req, reply) => {
    if (!req.user) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    const group = await editableGroup(req.viewer, req.params.name);
    return render(req, reply, group, await repo.settingsOf(ctx.db, group.id));
  });

  ctx.http.post<{ Params: { name: string }; Body: Record<string, unknown> }>('/g/:name/auto-reply', { schema: { hide: true } }, async (req, reply) => {
    const viewer = requireUser(req);
    const group = await editableGroup(viewer, req.params.name);
    const current = await repo.settingsOf(ctx.db, group.id);
    const body = req.body ?? {};
    try {
      // An unticked checkbox sends nothing: the form always says whether it is on.
      await repo.saveSettings(ctx.db, merged(current, { ...body, enabled: body.enabled === 'true' }), viewer.id, ctx.now());
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode >= 500) throw err;
      return render(req, reply, group, { ...current, subject: String(body.subject ?? current.subject), body: String(body.body ?? current.body) }, err);
    }
    ctx.web.flash(reply, 'notice', 'Auto-reply saved.');
    return reply.redirect(`/g/${encodeURIComponent(group.name)}/auto-reply`, 303);
  });

  const tags = ['auto-reply'];
  const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }) });
  const json = (s: GroupAutoReply) => ({ settings: { enabled: s.enabled, delayMinutes: s.delayMinutes, perAddressPerHour: s.perAddressPerHour, subject: s.subject, body: s.body }, variables: Object.keys(VARIABLES) });
  ctx.http.get<{ Params: { name: string } }>('/api/auto-reply/:name', { schema: { tags, summary: 'A group\'s auto-reply settings (admins and the group\'s owners)', params: Name } }, async (req) => {
    const group = await editableGroup(requireUser(req), req.params.name);
    return json(await repo.settingsOf(ctx.db, group.id));
  });
  ctx.http.put<{ Params: { name: string }; Body: Record<string, unknown> }>('/api/auto-reply/:name', {
    schema: { tags, summary: 'Change a group\'s auto-reply: on or off, delay, hourly limit per address, subject and text', params: Name, body: SettingsBody },
  }, async (req) => {
    const viewer = requireUser(req);
    const group = await editableGroup(viewer, req.params.name);
    const next = merged(await repo.settingsOf(ctx.db, group.id), req.body ?? {});
    await repo.saveSettings(ctx.db, next, viewer.id, ctx.now());
    return json(next);
  });
}
