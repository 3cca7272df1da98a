import type { FastifyReply, FastifyRequest } from 'fastify';
import { siteSettings } from '../admin/site-settings.ts';
import type { Core } from '../core.ts';

const FLASH = 'parley_flash';

export interface Flash { kind: 'notice' | 'error'; message: string }

/** Leave a message for the next page this browser renders (after a redirect). */
export function flash(reply: FastifyReply, kind: Flash['kind'], message: string): void {
  reply.setCookie(FLASH, JSON.stringify([{ kind, message }]), { path: '/', httpOnly: true, sameSite: 'lax', signed: true, maxAge: 60 });
}

function takeFlash(req: FastifyRequest, reply: FastifyReply): Flash[] {
  const raw = req.cookies[FLASH];
  if (!raw) return [];
  reply.clearCookie(FLASH, { path: '/' });
  const unsigned = req.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return [];
  try { return JSON.parse(unsigned.value) as Flash[]; } catch { return []; }
}

/** What every page knows: the site, who is looking, their unread counts, a CSRF token, flash messages. */
export async function pageContext(core: Core, req: FastifyRequest, reply: FastifyReply): Promise<Record<string, unknown>> {
  const me = req.user ? { id: req.user.id, username: req.user.username, name: req.user.name, admin: req.user.admin, moderator: req.user.moderator } : null;
  const [settings, counts, lastEventId] = await Promise.all([
    siteSettings(core).get(),
    me ? core.services.notifications.unreadCounts(me.id) : null,
    me ? core.bus.lastId() : 0,
  ]);
  return { site: { name: settings.title, description: settings.description }, me, csrf: reply.generateCsrf(), counts, lastEventId, flash: takeFlash(req, reply), path: req.url };
}

/** Renders a page in the main layout. */
export async function renderPage(core: Core, req: FastifyRequest, reply: FastifyReply, view: string, data: Record<string, unknown>, status = 200): Promise<FastifyReply> {
  const page = await core.hooks.filter('page-data', { ...(await pageContext(core, req, reply)), ...data }, { view, viewer: req.viewer });
  const html = core.views.render(view, page);
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

/** Where to send a browser after a form: a local path only, never another site. */
export function safeRedirect(target: unknown, fallback = '/'): string {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\') ? target : fallback;
}

/** Page requests (not the JSON API) get HTML errors. */
export function wantsHtml(req: FastifyRequest): boolean {
  return !req.url.startsWith('/api/') && !req.url.startsWith('/admin/email/receive') && (req.headers.accept ?? '').includes('text/html');
}
