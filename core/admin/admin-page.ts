import { promises as fs } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { ParleyError, notFound } from '../errors.ts';
import { flash, renderPage } from '../web/render.ts';
import { TEMPLATES_DIR } from '../web/view-engine.ts';

/** A URL-encoded form body: repeated fields arrive as arrays. */
export type Form = Record<string, string | string[] | undefined>;

/** Admin pages are not there for anyone else: not even "forbidden", which would say they exist. */
export function hideFromNonAdmins(req: FastifyRequest): void {
  const keyWithoutAdminScope = req.auth.kind === 'api-key' && !req.auth.scopes.includes('admin');
  if (!req.viewer.admin || keyWithoutAdminScope) throw notFound();
}

/** Partials the admin templates share (the view engine only loads `templates/partials/` as partials). */
export async function registerAdminPartials(core: Core): Promise<void> {
  for (const name of ['nav', 'email-nav', 'settings-fields', 'group-fields']) {
    core.views.registerPartial(`admin/${name}`, await fs.readFile(`${TEMPLATES_DIR}admin/${name}.hbs`, 'utf8'));
  }
}

/** Renders an admin page: the Admin tab in the header, `section` in the admin sub-nav. */
export function renderAdmin(core: Core, req: FastifyRequest, reply: FastifyReply, view: string, section: string, data: Record<string, unknown>, status = 200) {
  return renderPage(core, req, reply, `admin/${view}`, { nav: 'admin', section, ...data }, status);
}

export const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v[0] ?? '' : v ?? '').trim();
export const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

/**
 * Runs a form's action: on success, a flash notice and a 303 to the next page; on an error the
 * admin can fix (bad input, a conflict), `again` re-renders the form with the message and its status.
 */
export async function submit(
  reply: FastifyReply,
  action: () => Promise<{ to: string; notice: string }>,
  again: (error: ParleyError) => Promise<FastifyReply>,
): Promise<FastifyReply> {
  try {
    const { to, notice } = await action();
    flash(reply, 'notice', notice);
    return reply.redirect(to, 303);
  } catch (err) {
    if (!(err instanceof ParleyError) || err.statusCode === 404 || err.statusCode >= 500) throw err;
    return again(err);
  }
}

/** The flash to show when re-rendering after an error. */
export const errorFlash = (err: ParleyError) => [{ kind: 'error', message: err.message }];
