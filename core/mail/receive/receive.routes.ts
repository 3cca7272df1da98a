import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';
import { badInput, parleyError } from '../../errors.ts';
import { requireUser } from '../../http/viewer.ts';

const RAW_TYPES = ['message/rfc822', 'application/octet-stream', 'text/plain'];

/**
 * POST /admin/email/receive: a raw RFC 5322 message from an MTA or a mail-receiver style forwarder,
 * authenticated by an API key with the `email:receive` scope. The body is the message itself
 * (message/rfc822, application/octet-stream or text/plain), or a form or JSON field `email`.
 * `recipient` (query, repeatable) passes the envelope recipients.
 */
export async function receiveRoutes(app: FastifyInstance, core: Core): Promise<void> {
  await app.register(async (scope) => {
    for (const type of RAW_TYPES) scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: core.config.maxEmailBytes }, (_req, body, done) => done(null, body));
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    r.post('/admin/email/receive', {
      bodyLimit: core.config.maxEmailBytes,
      config: { apiScope: 'email:receive', rateLimit: { max: 600, timeWindow: '1 minute' } },
      schema: {
        tags: ['email'], summary: 'Receive one raw email (API key with the email:receive scope)',
        consumes: [...RAW_TYPES, 'application/x-www-form-urlencoded', 'application/json'],
        querystring: Type.Object({ recipient: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Array(Type.String({ maxLength: 320 }), { maxItems: 50 })])) }),
      },
    }, async (req, reply) => {
      if (req.auth.kind !== 'api-key') throw parleyError('UNAUTHENTICATED', 'Send incoming mail with an API key that has the email:receive scope (header Api-Key).');
      const user = requireUser(req);
      if (!user.admin) throw parleyError('FORBIDDEN', 'Only an admin’s API key can deliver mail.');
      const raw = rawMessage(req.body);
      const recipients = [req.query.recipient ?? []].flat();
      const outcome = await core.mail.receiver.receive(raw, { source: 'http', envelopeRecipients: recipients });
      return reply.status(outcome.status === 'error' ? 422 : 200).send(outcome);
    });
  });
}

function rawMessage(body: unknown): Buffer {
  if (Buffer.isBuffer(body) && body.length) return body;
  const field = (body as { email?: unknown } | null)?.email;
  if (typeof field === 'string' && field.trim()) return Buffer.from(field, 'utf8');
  throw badInput('Send the raw message as the request body (Content-Type message/rfc822), or in a field called "email".', { field: 'email' });
}
