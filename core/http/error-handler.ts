import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.ts';
import { renderPage, wantsHtml } from '../web/render.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: this route takes no CSRF token (it authenticates some other way). */
    csrf?: boolean;
  }
}

const HEADINGS: Record<number, string> = { 401: 'Please log in', 403: 'Not allowed', 404: 'Page not found', 429: 'Slow down a little' };

/** Every error leaves as `{ error: PARLEY_ERR_*, message }` with a 4xx for anything the caller can fix; browsers get a page. */
export async function errorHandler(err: FastifyError | ParleyError | Error, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const sent = jsonError(err, req, reply);
  if (!wantsHtml(req) || !req.server.parley) return sent;
  const status = reply.statusCode;
  const body = (reply as unknown as { __parleyError?: { message: string } }).__parleyError;
  return renderPage(req.server.parley, req, reply, 'error', { title: HEADINGS[status] ?? 'Something went wrong', heading: HEADINGS[status] ?? 'Something went wrong', message: body?.message ?? '' }, status);
}

function jsonError(err: FastifyError | ParleyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, payload: { error: string; message: string; [k: string]: unknown }) => {
    (reply as unknown as { __parleyError?: unknown }).__parleyError = payload;
    return wantsHtml(req) ? reply.status(status) : reply.status(status).send(payload);
  };
  if (err instanceof ParleyError) {
    if (err.statusCode >= 500) req.log.error({ err }, err.message);
    return send(err.statusCode, err.toJSON() as { error: string; message: string });
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const first = fe.validation[0];
    const field = (first?.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || (first?.params as { missingProperty?: string })?.missingProperty || fe.validationContext || 'input';
    return send(400, { error: 'PARLEY_ERR_BAD_INPUT', message: `${field}: ${first?.message ?? 'is not valid'}.`, field });
  }
  if (fe.code === 'FST_CSRF_INVALID_TOKEN' || fe.code === 'FST_CSRF_MISSING_SECRET') {
    return send(403, { error: 'PARLEY_ERR_CSRF', message: 'This form has expired or did not come from Parley: reload the page and try again.' });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.statusCode === 429 ? 'PARLEY_ERR_RATE_LIMITED' : fe.statusCode === 413 ? 'PARLEY_ERR_PAYLOAD_TOO_LARGE' : 'PARLEY_ERR_BAD_INPUT';
    return send(fe.statusCode, { error: code, message: fe.message });
  }
  req.log.error({ err }, 'unhandled error');
  return send(500, { error: 'PARLEY_ERR_INTERNAL', message: 'Something went wrong on our side; it has been logged.' });
}
