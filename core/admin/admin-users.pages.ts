import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { destroyUserSessions } from '../auth/sessions.ts';
import type { Core } from '../core.ts';
import { badInput, type ParleyError } from '../errors.ts';
import { signalVisibilityChanged } from '../realtime/live-hub.ts';
import { errorFlash, renderAdmin, submit, text, type Form } from './admin-page.ts';
import { USERS_PAGE, findAdminUser, listUsers, updateUser } from './admin-users.ts';

type Params = { Params: { id: string }; Body: Form };
const ROLES = { admin: 'admin', moderator: 'moderator' } as const;

/** Users: search, badges, and one page per account with its role, suspension and activation forms. */
export async function adminUserPages(app: FastifyInstance, core: Core): Promise<void> {
  app.get<{ Querystring: Form }>('/admin/users', { schema: { hide: true } }, async (req, reply) => {
    const term = text(req.query.term).slice(0, 60);
    const page = Math.min(10_000, Math.max(0, Number(text(req.query.page)) || 0));
    const users = await listUsers(core.db, term, page);
    const now = core.clock();
    return renderAdmin(core, req, reply, 'users', 'users', {
      title: 'Users', term, page, users: users.map((u) => ({ ...u, suspended: u.suspended_until !== null && u.suspended_until > now })),
      prev: page > 0 ? page - 1 : null, next: users.length === USERS_PAGE ? page + 1 : null,
    });
  });

  app.get<Params>('/admin/users/:id', { schema: { hide: true } }, async (req, reply) => userPage(core, req, reply));

  app.post<Params>('/admin/users/:id/roles', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const role = ROLES[text(req.body.role) as keyof typeof ROLES];
    if (!role) throw badInput('Choose the admin or the moderator role.');
    const grant = text(req.body.grant) === 'true';
    if (role === 'admin' && !grant && userId(req) === req.viewer.id) throw badInput('You cannot revoke your own admin rights; ask another admin.');
    const user = await updateUser(core.db, userId(req), { [role]: grant });
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is ${grant ? 'now' : 'no longer'} ${role === 'admin' ? 'an admin' : 'a moderator'}.` };
  }, (err) => userPage(core, req, reply, err)));

  app.post<Params>('/admin/users/:id/suspend', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const until = new Date(text(req.body.until));
    const reason = text(req.body.reason);
    if (Number.isNaN(until.getTime())) throw badInput('Pick the date the suspension ends.', { field: 'until' });
    if (until <= core.clock()) throw badInput('The suspension must end in the future.', { field: 'until' });
    if (!reason || reason.length > 500) throw badInput('Give a reason (up to 500 characters); the person will see it.', { field: 'reason' });
    if (userId(req) === req.viewer.id) throw badInput('You cannot suspend yourself.');
    const user = await updateUser(core.db, userId(req), { suspended_until: until, suspended_reason: reason });
    await destroyUserSessions(core.db, user.id);
    await signalVisibilityChanged(core.bus, { userIds: [user.id] }); // closes their open live connections, as the JSON route does
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is suspended until ${until.toUTCString()} and has been signed out.` };
  }, (err) => userPage(core, req, reply, err)));

  app.post<Params>('/admin/users/:id/unsuspend', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const user = await updateUser(core.db, userId(req), { suspended_until: null, suspended_reason: null });
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is no longer suspended.` };
  }, (err) => userPage(core, req, reply, err)));

  app.post<Params>('/admin/users/:id/activate', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const target = await findAdminUser(core.db, userId(req));
    if (target.staged) throw badInput('This account has only written by email; it becomes active when the person signs up.');
    const user = await updateUser(core.db, target.id, { active: true });
    return { to: `/admin/users/${user.id}`, notice: `${user.username} is active and can log in.` };
  }, (err) => userPage(core, req, reply, err)));
}

const userId = (req: FastifyRequest<Params>) => Number(req.params.id) || 0;

async function userPage(core: Core, req: FastifyRequest<Params>, reply: FastifyReply, error?: ParleyError) {
  const user = await findAdminUser(core.db, userId(req));
  const suspended = user.suspended_until !== null && user.suspended_until > core.clock();
  const tomorrow = new Date(core.clock().getTime() + 86_400_000).toISOString().slice(0, 10);
  return renderAdmin(core, req, reply, 'user', 'users', {
    title: user.username, user, suspended, suspendedIso: user.suspended_until?.toISOString(), suspendedText: user.suspended_until?.toUTCString(), isMe: user.id === req.viewer.id, minDate: tomorrow,
    form: error ? { until: text(req.body?.until), reason: text(req.body?.reason) } : {},
    ...(error ? { flash: errorFlash(error) } : {}),
  }, error?.statusCode);
}
