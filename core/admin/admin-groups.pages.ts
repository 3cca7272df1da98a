import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { badInput, type ParleyError } from '../errors.ts';
import type { GroupInput } from '../groups/groups.service.ts';
import type { GroupAudience, GroupVisibility, NotificationLevel } from '../groups/groups.table.ts';
import { errorFlash, renderAdmin, submit, text, type Form } from './admin-page.ts';

type Params = { Params: { name: string; username?: string }; Body: Form; Querystring: Form };

const VISIBILITY: Record<GroupVisibility, string> = { public: 'Everyone', logged_in: 'Logged-in users', members: 'Members only', staff: 'Staff only' };
const AUDIENCE: Record<GroupAudience, string> = { nobody: 'Nobody', members: 'Members', staff: 'Staff', everyone: 'Everyone' };
const LEVELS: Record<string, string> = { 0: 'Muted', 1: 'Normal', 2: 'Tracking', 3: 'Watching' };

const options = (labels: Record<string, string>, current: unknown) =>
  Object.entries(labels).map(([value, label]) => ({ value, label, selected: String(current) === value }));

function pick<T extends string>(labels: Record<T, string>, raw: string, what: string): T {
  if (!(raw in labels)) throw badInput(`Choose one of the listed options for ${what}.`, { field: what });
  return raw as T;
}

/** The settings fields of the group forms, checked here because the service trusts its callers. */
function groupInput(body: Form): GroupInput {
  const fullName = text(body.full_name);
  const description = text(body.description);
  if (fullName.length > 100) throw badInput('Keep the full name under 100 characters.', { field: 'full_name' });
  if (description.length > 2000) throw badInput('Keep the description under 2000 characters.', { field: 'description' });
  return {
    full_name: fullName, description,
    visibility: pick(VISIBILITY, text(body.visibility) || 'public', 'visibility'),
    messageable: pick(AUDIENCE, text(body.messageable) || 'nobody', 'who can message'),
    mentionable: pick(AUDIENCE, text(body.mentionable) || 'nobody', 'who can mention'),
    default_notification_level: Number(pick(LEVELS, text(body.default_notification_level) || '1', 'notification level')) as NotificationLevel,
  };
}

function choices(group: Record<string, unknown>) {
  return {
    visibility: options(VISIBILITY, group.visibility ?? 'public'), messageable: options(AUDIENCE, group.messageable ?? 'nobody'),
    mentionable: options(AUDIENCE, group.mentionable ?? 'nobody'), levels: options(LEVELS, group.default_notification_level ?? 1),
  };
}

/** Groups: the list with a create form; one page per group with its settings and members. */
export async function adminGroupPages(app: FastifyInstance, core: Core): Promise<void> {
  const { groups } = core.services;

  const listPage = async (req: FastifyRequest<Params>, reply: FastifyReply, error?: ParleyError) => {
    const form = error ? { ...req.body } : {};
    return renderAdmin(core, req, reply, 'groups', 'groups', {
      title: 'Groups', groups: await groups.list(req.viewer), form, choices: choices(form),
      ...(error ? { flash: errorFlash(error) } : {}),
    }, error?.statusCode);
  };

  app.get<Params>('/admin/groups', { schema: { hide: true } }, (req, reply) => listPage(req, reply));

  app.post<Params>('/admin/groups', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const group = await groups.create({ ...groupInput(req.body), name: text(req.body.name) });
    return { to: `/admin/groups/${group.name}`, notice: `Group ${group.name} created. Add its members below.` };
  }, (err) => listPage(req, reply, err)));

  app.get<Params>('/admin/groups/:name', { schema: { hide: true } }, (req, reply) => groupPage(core, req, reply));

  app.post<Params>('/admin/groups/:name', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const group = await groups.update(req.params.name, groupInput(req.body));
    return { to: `/admin/groups/${group.name}`, notice: `Saved the settings of ${group.name}.` };
  }, (err) => groupPage(core, req, reply, err)));

  app.post<Params>('/admin/groups/:name/members', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const usernames = [...new Set(text(req.body.usernames).split(/[\s,]+/).map((u) => u.replace(/^@/, '')).filter(Boolean))];
    if (usernames.length === 0) throw badInput('Type one or more usernames, separated by commas or spaces.', { field: 'usernames' });
    if (usernames.length > 100) throw badInput('Add at most 100 people at a time.', { field: 'usernames' });
    const { added } = await groups.addMembers(req.viewer as typeof req.viewer & { id: number }, req.params.name, usernames);
    const notice = added.length ? `Added ${added.join(', ')}.` : 'They were all members already.';
    return { to: `/admin/groups/${encodeURIComponent(req.params.name)}`, notice };
  }, (err) => groupPage(core, req, reply, err)));

  app.post<Params>('/admin/groups/:name/members/:username/remove', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    await groups.removeMember(req.viewer as typeof req.viewer & { id: number }, req.params.name, req.params.username ?? '');
    return { to: `/admin/groups/${encodeURIComponent(req.params.name)}`, notice: `Removed ${req.params.username} from ${req.params.name}.` };
  }, (err) => groupPage(core, req, reply, err)));

  app.post<Params>('/admin/groups/:name/members/:username/owner', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const owner = text(req.body.owner) === 'true';
    await groups.setOwner(req.params.name, req.params.username ?? '', owner);
    const notice = `${req.params.username} is ${owner ? 'now' : 'no longer'} an owner of ${req.params.name}.`;
    return { to: `/admin/groups/${encodeURIComponent(req.params.name)}`, notice };
  }, (err) => groupPage(core, req, reply, err)));
}

async function groupPage(core: Core, req: FastifyRequest<Params>, reply: FastifyReply, error?: ParleyError) {
  const group = await core.services.groups.get(req.viewer, req.params.name);
  const page = Math.min(10_000, Math.max(0, Number(text(req.query.page)) || 0));
  const { members, total, pageSize } = await core.services.groups.members(req.viewer, req.params.name, page);
  const form = error && req.body?.visibility !== undefined ? { ...group, ...req.body } : group;
  return renderAdmin(core, req, reply, 'group', 'groups', {
    title: group.name, group, form, choices: choices(form), members, total, page,
    prev: page > 0 ? page - 1 : null, next: (page + 1) * pageSize < Number(total) ? page + 1 : null,
    usernames: error && req.body?.usernames !== undefined ? text(req.body.usernames) : '',
    ...(error ? { flash: errorFlash(error) } : {}),
  }, error?.statusCode);
}
