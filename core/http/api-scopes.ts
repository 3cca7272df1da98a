import type { FastifyRequest } from 'fastify';
import { parleyError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The one API-key scope this route needs, instead of `read` (GET/HEAD) or `write` (everything else). */
    apiScope?: string;
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scope an API key needs for this request. */
export function requiredScope(method: string, declared: string | undefined): string {
  return declared ?? (READS.has(method) ? 'read' : 'write');
}

/**
 * A `preHandler` hook: an API key may only do what its scopes allow. Sessions are untouched.
 * Install once on the root instance: `app.addHook('preHandler', enforceApiScopes)`.
 */
export async function enforceApiScopes(req: FastifyRequest): Promise<void> {
  if (req.auth?.kind !== 'api-key') return;
  const needed = requiredScope(req.method, req.routeOptions.config?.apiScope);
  if (!req.auth.scopes.includes(needed)) {
    throw parleyError('FORBIDDEN', `This API key lacks the "${needed}" scope; issue a key with it to ${READS.has(req.method) ? 'read' : 'change'} this.`);
  }
}
