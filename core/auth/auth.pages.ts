import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { ParleyError } from '../errors.ts';
import { flash, renderPage, safeRedirect } from '../web/render.ts';
import { SESSION_COOKIE, destroySession } from './sessions.ts';
import { startSession } from './auth.routes.ts';

type Form = Record<string, string | undefined>;

/** Log in, sign up and log out as plain forms: they work without scripts. */
export async function authPages(app: FastifyInstance, core: Core): Promise<void> {
  const limited = { rateLimit: { max: 10, timeWindow: 60_000 } };

  app.get<{ Querystring: Form }>('/login', { schema: { hide: true } }, async (req, reply) =>
    renderPage(core, req, reply, 'login', { title: 'Log in', narrow: true, next: safeRedirect(req.query.next, '') }));

  app.post<{ Body: Form }>('/login', { schema: { hide: true }, config: limited }, async (req, reply) => {
    const next = safeRedirect(req.body.next);
    try {
      const user = await core.services.users.authenticate(req.body.login ?? '', req.body.password ?? '');
      await startSession(core, req, reply, user);
      return reply.redirect(next, 303);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      return renderPage(core, req, reply, 'login', { title: 'Log in', narrow: true, next, login: req.body.login, flash: [{ kind: 'error', message: err.message }] }, err.statusCode);
    }
  });

  app.get<{ Querystring: Form }>('/signup', { schema: { hide: true } }, async (req, reply) =>
    renderPage(core, req, reply, 'signup', { title: 'Sign up', narrow: true, next: safeRedirect(req.query.next, ''), form: { email: req.query.email ?? '' } }));

  app.post<{ Body: Form }>('/signup', { schema: { hide: true }, config: { rateLimit: { max: 10, timeWindow: 3_600_000 } } }, async (req, reply) => {
    const form = { email: req.body.email ?? '', username: req.body.username ?? '', name: req.body.name ?? '' };
    try {
      const result = await core.services.users.signUp({ ...form, password: req.body.password ?? '' }, safeRedirect(req.body.next, '') || null);
      if ('pending' in result) return renderPage(core, req, reply, 'signup', { title: 'Check your mail', narrow: true, pending: result.pending });
      const user = result.user;
      await startSession(core, req, reply, user);
      flash(reply, 'notice', `Welcome, ${user.username}!`);
      return reply.redirect(safeRedirect(req.body.next), 303);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      return renderPage(core, req, reply, 'signup', { title: 'Sign up', narrow: true, form, next: req.body.next, flash: [{ kind: 'error', message: err.message }] }, err.statusCode);
    }
  });

  app.post('/logout', { schema: { hide: true } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await destroySession(core.db, core.bus, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/', 303);
  });
}
