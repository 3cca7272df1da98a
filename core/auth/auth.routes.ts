import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { requireUser } from '../http/viewer.ts';
import { emailsOf } from '../users/users.repo.ts';
import type { User } from '../users/users.table.ts';
import { SESSION_COOKIE, SESSION_DAYS, createSession, destroySession } from './sessions.ts';

const strict = { windowMs: 60_000 };

export function publicUser(user: User) {
  return { id: user.id, username: user.username, name: user.name, admin: user.admin, moderator: user.moderator, staged: user.staged, createdAt: user.created_at };
}

export async function startSession(core: Core, req: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
  const token = await createSession(core.db, user.id, { userAgent: req.headers['user-agent'], ip: req.ip });
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true, sameSite: 'lax', path: '/', secure: core.config.baseUrl.startsWith('https:'), maxAge: SESSION_DAYS * 86_400,
  });
}

/** Signup, login, logout, me and the CSRF token. Login and signup are rate limited per address. */
export async function authRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/api/session/csrf', { schema: { tags: ['session'], summary: 'A CSRF token for browser requests (send it as X-CSRF-Token)' } },
    async (_req, reply) => ({ csrf: reply.generateCsrf() }));

  r.post('/api/users', {
    config: { rateLimit: { max: 10, timeWindow: strict.windowMs * 60 } },
    schema: { tags: ['session'], summary: 'Sign up', body: Type.Object({
      username: Type.String({ minLength: 1, maxLength: 40 }), email: Type.String({ minLength: 3, maxLength: 254 }),
      password: Type.String({ minLength: 1, maxLength: 200 }), name: Type.Optional(Type.String({ maxLength: 100 })),
    }) },
  }, async (req, reply) => {
    const result = await core.services.users.signUp(req.body, null);
    if ('pending' in result) return reply.status(202).send({ pending: true, message: result.pending });
    await startSession(core, req, reply, result.user);
    return reply.status(201).send({ user: publicUser(result.user) });
  });

  r.post('/api/session', {
    config: { rateLimit: { max: 10, timeWindow: strict.windowMs } },
    schema: { tags: ['session'], summary: 'Log in with username or email', body: Type.Object({ login: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) }) },
  }, async (req, reply) => {
    const user = await core.services.users.authenticate(req.body.login, req.body.password);
    await startSession(core, req, reply, user);
    return { user: publicUser(user) };
  });

  r.delete('/api/session', { schema: { tags: ['session'], summary: 'Log out' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await destroySession(core.db, core.bus, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  r.get('/api/session/me', { schema: { tags: ['session'], summary: 'The signed-in user' } }, async (req) => {
    requireUser(req);
    const user = req.user!;
    const counts = await core.services.notifications.unreadCounts(user.id);
    return { user: { ...publicUser(user), emails: await emailsOf(core.db, user.id), groupIds: req.viewer.groupIds.filter((g) => g !== 0) }, notifications: counts };
  });
}
