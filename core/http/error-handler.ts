import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: this route takes no CSRF token (it authenticates some other way). */
    csrf?: boolean;
  }
}

/** Every error leaves as `{ error: PARLEY_ERR_*, message }` with a 4xx for anything the caller can fix. */
export function errorHandler(err: FastifyError | ParleyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ParleyError) {
    if (err.statusCode >= 500) req.log.error({ err }, err.message);
    return reply.status(err.statusCode).send(err.toJSON());
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const first = fe.validation[0];
    const field = (first?.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || (first?.params as { missingProperty?: string })?.missingProperty || fe.validationContext || 'input';
    return reply.status(400).send({ error: 'PARLEY_ERR_BAD_INPUT', message: `${field}: ${first?.message ?? 'is not valid'}.`, field });
  }
  if (fe.code === 'FST_CSRF_INVALID_TOKEN' || fe.code === 'FST_CSRF_MISSING_SECRET') {
    return reply.status(403).send({ error: 'PARLEY_ERR_CSRF', message: 'This form has expired or did not come from Parley: reload the page and try again.' });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.statusCode === 429 ? 'PARLEY_ERR_RATE_LIMITED' : fe.statusCode === 413 ? 'PARLEY_ERR_PAYLOAD_TOO_LARGE' : 'PARLEY_ERR_BAD_INPUT';
    return reply.status(fe.statusCode).send({ error: code, message: fe.message });
  }
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send({ error: 'PARLEY_ERR_INTERNAL', message: 'Something went wrong on our side; it has been logged.' });
}
