import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { badInput } from '../errors.ts';
import { requireAdmin } from '../http/viewer.ts';
import { findUserByUsername } from '../users/users.repo.ts';
import { API_SCOPES, issueApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';

/** Admin: issue, list and revoke API keys. A key acts as its user, within its scopes. */
export async function apiKeyRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin'];

  r.get('/api/admin/api-keys', { schema: { tags, summary: 'Every API key (prefix only; the key itself is never shown again)' } },
    async (req) => { requireAdmin(req); return { keys: await listApiKeys(core.db) }; });

  r.post('/api/admin/api-keys', {
    schema: { tags, summary: `Issue a key for a user; scopes are some of ${API_SCOPES.join(', ')}. The key is returned once.`,
      body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 60 }), scopes: Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 }), description: Type.Optional(Type.String({ maxLength: 200 })) }) },
  }, async (req, reply) => {
    const admin = requireAdmin(req);
    const user = await findUserByUsername(core.db, req.body.username);
    if (!user || user.staged) throw badInput(`No user is called ${req.body.username}; keys act as an existing, signed-up user.`, { field: 'username' });
    const scopes = [...new Set(req.body.scopes)];
    const issued = await issueApiKey(core.db, { userId: user.id, scopes, description: req.body.description, createdById: admin.id });
    return reply.status(201).send({ ...issued, username: user.username, scopes });
  });

  r.delete('/api/admin/api-keys/:id', { schema: { tags, summary: 'Revoke a key; it stops working at once', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } },
    async (req) => { requireAdmin(req); await revokeApiKey(core.db, req.params.id); return { ok: true }; });
}
