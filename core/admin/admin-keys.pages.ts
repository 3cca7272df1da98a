import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_SCOPES, issueApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.ts';
import type { Core } from '../core.ts';
import { ParleyError, badInput } from '../errors.ts';
import { findUserByUsername } from '../users/users.repo.ts';
import { errorFlash, list, renderAdmin, submit, text, type Form } from './admin-page.ts';

type Params = { Params: { id: string }; Body: Form };

const SCOPE_HINTS: Record<string, string> = {
  read: 'Read the JSON API as this user', write: 'Post, reply and change things as this user',
  'email:receive': 'Deliver incoming email (for a mail gateway)', admin: 'Use the admin API (the user must be an admin)',
};

/** API keys: the list, a create form that shows the new key once, and revoking. */
export async function adminKeyPages(app: FastifyInstance, core: Core): Promise<void> {
  const page = async (req: FastifyRequest<{ Body: Form }>, reply: FastifyReply, error?: ParleyError) => {
    const chosen = error ? list(req.body['scopes[]'] ?? req.body.scopes) : ['read'];
    return renderAdmin(core, req, reply, 'api-keys', 'api-keys', {
      title: 'API keys', keys: await listApiKeys(core.db),
      scopes: API_SCOPES.map((s) => ({ value: s, hint: SCOPE_HINTS[s] ?? '', checked: chosen.includes(s) })),
      form: error ? { username: text(req.body.username), description: text(req.body.description) } : {},
      ...(error ? { flash: errorFlash(error) } : {}),
    }, error?.statusCode);
  };

  app.get<{ Body: Form }>('/admin/api-keys', { schema: { hide: true } }, (req, reply) => page(req, reply));

  // Not a redirect: the key exists only in this response, so it is shown here, once.
  app.post<{ Body: Form }>('/admin/api-keys', { schema: { hide: true } }, async (req, reply) => {
    try {
      const username = text(req.body.username);
      const description = text(req.body.description);
      if (description.length > 200) throw badInput('Keep the description under 200 characters.', { field: 'description' });
      const user = username ? await findUserByUsername(core.db, username) : undefined;
      if (!user || user.staged) throw badInput(`No user is called ${username || '(empty)'}; keys act as an existing, signed-up user.`, { field: 'username' });
      const scopes = [...new Set(list(req.body['scopes[]'] ?? req.body.scopes))];
      if (scopes.length === 0) throw badInput('Tick at least one scope.', { field: 'scopes' });
      const issued = await issueApiKey(core.db, { userId: user.id, scopes, description, createdById: req.viewer.id });
      reply.header('cache-control', 'no-store');
      return renderAdmin(core, req, reply, 'api-key-created', 'api-keys', { title: 'New API key', issued, username: user.username, scopes, description }, 201);
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode === 404) throw err;
      return page(req, reply, err);
    }
  });

  app.post<Params>('/admin/api-keys/:id/revoke', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    await revokeApiKey(core.db, Number(req.params.id) || 0);
    return { to: '/admin/api-keys', notice: 'The key is revoked; it stopped working at once.' };
  }, (err) => page(req, reply, err)));
}
