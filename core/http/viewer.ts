import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { userForApiKey } from '../auth/api-keys.ts';
import { SessionCache } from '../auth/session-cache.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import type { Core } from '../core.ts';
import { parleyError } from '../errors.ts';
import { ANONYMOUS, viewerFromUser, type Viewer } from '../permissions/viewer.ts';
import { groupIdsOf } from '../users/users.repo.ts';
import { ensureCanLogIn } from '../users/users.service.ts';
import type { User } from '../users/users.table.ts';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
    user: User | null;
    /** How the request authenticated: a browser session, an API key, or nothing. */
    auth: { kind: 'session' | 'api-key' | 'none'; scopes: string[] };
  }
}

/**
 * Resolves who is asking, once per request: a session cookie (through this process's session
 * cache, kept current by the event bus) or an `Api-Key` header.
 */
export const viewerPlugin = fp(async (app: FastifyInstance, { core }: { core: Core }) => {
  const sessions = new SessionCache({ db: core.db, bus: core.bus });
  sessions.start();
  app.decorateRequest('viewer', null as unknown as Viewer);
  app.decorateRequest('user', null);
  app.decorateRequest('auth', null as unknown as FastifyRequest['auth']);
  app.addHook('onRequest', async (req) => {
    req.viewer = ANONYMOUS;
    req.auth = { kind: 'none', scopes: [] };
    const key = req.headers['api-key'] ?? bearer(req.headers.authorization);
    if (typeof key === 'string' && key) {
      const found = await userForApiKey(core.db, key);
      if (!found) throw parleyError('UNAUTHENTICATED', 'That API key is not valid (revoked or mistyped).');
      ensureCanLogIn(found.user);
      return adopt(req, found.user, await groupIdsOf(core.db, found.user.id), { kind: 'api-key', scopes: found.scopes });
    }
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await sessions.get(token);
    if (!session) return;
    req.user = session.user;
    req.viewer = session.viewer;
    req.auth = { kind: 'session', scopes: ['read', 'write'] };
  });
}, { name: 'parley-viewer' });

function adopt(req: FastifyRequest, user: User, groupIds: number[], auth: FastifyRequest['auth']): void {
  req.user = user;
  req.viewer = viewerFromUser(user, groupIds);
  req.auth = auth;
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** Route guard: a signed-in viewer (session or key), else 401. */
export function requireUser(req: FastifyRequest): Viewer & { id: number } {
  if (req.viewer.id === null) throw parleyError('UNAUTHENTICATED', 'Log in first.');
  return req.viewer as Viewer & { id: number };
}

export function requireAdmin(req: FastifyRequest): Viewer & { id: number } {
  const v = requireUser(req);
  if (!v.admin) throw parleyError('FORBIDDEN', 'Only admins can do this.');
  if (req.auth.kind === 'api-key' && !req.auth.scopes.includes('admin')) throw parleyError('FORBIDDEN', 'This API key lacks the admin scope.');
  return v;
}
