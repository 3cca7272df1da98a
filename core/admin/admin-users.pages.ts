import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { badInput, type ParleyError } from '../errors.ts';
import { resumeMail } from '../mail/receive/bounces.ts';
import { stoppedAddresses } from '../mail/send/stopped-addresses.ts';
import { errorFlash, renderAdmin, submit, text, type Form } from './admin-page.ts';
import { ADMIN_USERS_PAGE } from '../users/user-admin.service.ts';

type Params = { Params: { id: string }; Body: Form };
const ROLES = { admin: 'admin', moderator: 'moderator' } as const;

/** Users: search, badges, and one page per account with its role, suspension and activation forms. */
export async function adminUserPages(app: FastifyInstance, core: Core): Promise<void> {
  app.get<{ Querystring: Form }>('/admin/users', { schema: { hide: true } }, async (req, reply) => {
    const term = text(req.query.term).slice(0, 60);
    const page = Math.min(10_000, Math.max(0, Number(text(req.query.page)) || 0));
    const users = await core.services.userAdmin.list(term, page);
    const now = core.clock();
    return renderAdmin(core, req, reply, 'users', 'users', {
      title: 'Users', term, page, users: users.map((u) => ({ ...u, suspended: u.suspended_until !== null && u.suspended_until > now })),
      prev: page > 0 ? page - 1 : null, next: users.length === ADMIN_USERS_PAGE ? page + 1 : null,
    });
  });

  app.get<Params>('/admin/users/:id', { schema: { hide: true } }, async (req, reply) => userPage(core, req, reply));

  app.post<Params>('/admin/users/:id/roles', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const role = ROLES[text(req.body.role) as keyof typeof ROLES];
    if (!role) throw badInput('Choose the admin or the moderator role.');
    const grant = text(req.body.grant) === 'true';
    const user = await core.services.userAdmin.setRole(req.viewer.id!, userId(req), role, grant);
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is ${grant ? 'now' : 'no longer'} ${role === 'admin' ? 'an admin' : 'a moderator'}.` };
  }, (err) => userPage(core, req, reply, err)));

  app.post<Params>('/admin/users/:id/suspend', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const until = new Date(text(req.body.until));
    const user = await core.services.userAdmin.suspend(req.viewer.id!, userId(req), until, text(req.body.reason));
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is suspended until ${until.toUTCString()} and has been signed out.` };
  }, (err) => userPage(core, req, reply, err)));

  app.post<Params>('/admin/users/:id/unsuspend', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const user = await core.services.userAdmin.unsuspend(userId(req));
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is no longer suspended.` };
  }, (err) => userPage(core, req, reply, err)));

  app.post<Params>('/admin/users/:id/activate', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const user = await core.services.userAdmin.activate(userId(req));
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is active and can log in.` };
  }, (err) => userPage(core, req, reply, err)));

  app.post<Params>('/admin/users/:id/resume-mail', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const address = text(req.body.address).toLowerCase();
    const stopped = await stoppedAddresses(core.db, userId(req));
    if (!stopped.some((s) => s.email.toLowerCase() === address)) throw badInput('Mail to that address has not stopped, or it is not this person’s.');
    await resumeMail(core.db, address);
    return { to: `/admin/users/${userId(req)}`, notice: `Mail to ${address} flows again; its bounce count starts over.` };
  }, (err) => userPage(core, req, reply, err)));
}

const userId = (req: FastifyRequest<Params>) => Number(req.params.id) || 0;

async function userPage(core: Core, req: FastifyRequest<Params>, reply: FastifyReply, error?: ParleyError) {
  const user = await core.services.userAdmin.find(userId(req));
  const suspended = user.suspended_until !== null && user.suspended_until > core.clock();
  const tomorrow = new Date(core.clock().getTime() + 86_400_000).toISOString().slice(0, 10);
  return renderAdmin(core, req, reply, 'user', 'users', {
    title: user.username, user, suspended, stoppedMail: await stoppedAddresses(core.db, user.id), suspendedIso: user.suspended_until?.toISOString(), suspendedText: user.suspended_until?.toUTCString(), isMe: user.id === req.viewer.id, minDate: tomorrow,
    form: error ? { until: text(req.body?.until), reason: text(req.body?.reason) } : {},
    ...(error ? { flash: errorFlash(error) } : {}),
  }, error?.statusCode);
}
