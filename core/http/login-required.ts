import type { FastifyReply, FastifyRequest } from 'fastify';
import { siteSettings } from '../admin/site-settings.ts';
import type { Core } from '../core.ts';
import { parleyError } from '../errors.ts';

/** What a visitor can still reach on a login-only site: the ways in, and the stylesheet. */
const OPEN = [/^\/login(\?|$)/, /^\/signup(\?|$)/, /^\/assets\//, /^\/api\/session(\/csrf)?(\?|$)/, /^\/api\/users(\?|$)/, /^\/api\/docs/];

/**
 * With the site setting "login required", visitors see nothing: pages send them to log in (and
 * back), the API answers 401. Routes that authenticate otherwise (`config.csrf: false`, such as
 * the mail endpoint with its API key) are not affected.
 */
export function loginRequiredHook(core: Core) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    if (req.viewer.id !== null || req.routeOptions.config?.csrf === false || OPEN.some((re) => re.test(req.url))) return;
    if (!(await siteSettings(core).get()).loginRequired) return;
    if (req.url.startsWith('/api/') || req.url === '/ws' || req.url.startsWith('/ws?')) throw parleyError('UNAUTHENTICATED', 'This community is for members only: log in first.');
    return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
  };
}
