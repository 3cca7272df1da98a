import t from 'tap';
import type { FastifyRequest } from 'fastify';
import { enforceApiScopes } from '../../core/http/api-scopes.ts';
import { testApp } from '../helpers/app.ts';

t.test('API keys: admins issue and revoke; a key acts as its user within its scopes', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const category = await h.publicCategory();
  const withKey = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    h.app.inject({ method, url, payload, headers: { 'api-key': key } });

  const issued = await admin.post('/api/admin/api-keys', { username: 'alice', scopes: ['read', 'write'], description: 'CI bot' });
  t.equal(issued.statusCode, 201, issued.body);
  const { key, id } = issued.json();
  t.match(key, /^pk_/);

  t.test('the key is shown once; the list shows only its prefix', async (t) => {
    const list = (await admin.json('/api/admin/api-keys')).keys;
    t.equal(list.length, 1);
    t.equal(list[0].username, 'alice');
    t.equal(list[0].key_prefix, key.slice(0, 7));
    t.notOk(JSON.stringify(list).includes(key));
  });

  t.test('a key acts as its user, with no CSRF token', async (t) => {
    const me = await withKey(key, 'GET', '/api/session/me');
    t.equal(me.json().user.username, 'alice');
    const post = await withKey(key, 'POST', '/api/topics', { title: 'Posted by a bot', raw: 'Hello from the API', categoryId: category.id });
    t.equal(post.statusCode, 201, post.body);
    const row = await h.core.db.selectFrom('posts').select(['user_id', 'via']).executeTakeFirstOrThrow();
    t.same(row, { user_id: alice.user!.id, via: 'api' });
  });

  t.test('bad requests say what to fix and issue nothing', async (t) => {
    const badScope = await admin.post('/api/admin/api-keys', { username: 'alice', scopes: ['everything'] });
    t.equal(badScope.statusCode, 400);
    t.match(badScope.json().message, /Scopes must be some of read, write/);
    const noUser = await admin.post('/api/admin/api-keys', { username: 'ghost', scopes: ['read'] });
    t.equal(noUser.statusCode, 400);
    t.match(noUser.json().message, /No user is called ghost/);
    t.equal((await alice.post('/api/admin/api-keys', { username: 'alice', scopes: ['read'] })).statusCode, 403);
    t.equal((await alice.get('/api/admin/api-keys')).statusCode, 403);
    t.equal((await h.core.db.selectFrom('api_keys').select('id').execute()).length, 1);
    t.equal((await withKey(key, 'GET', '/api/admin/api-keys')).statusCode, 403, "a member's key is no admin");
  });

  t.test('a revoked key gets 401', async (t) => {
    t.equal((await admin.delete(`/api/admin/api-keys/${id}`)).statusCode, 200);
    const res = await withKey(key, 'GET', '/api/session/me');
    t.equal(res.statusCode, 401);
    t.match(res.json().message, /not valid/);
    t.equal((await admin.delete(`/api/admin/api-keys/${id}`)).statusCode, 404, 'already revoked');
  });

  // Passes once core/app.ts installs `app.addHook('preHandler', enforceApiScopes)`.
  t.test('a read-only key reads but cannot post', async (t) => {
    const readOnly = (await admin.post('/api/admin/api-keys', { username: 'alice', scopes: ['read'] })).json().key;
    t.equal((await withKey(readOnly, 'GET', '/api/latest')).statusCode, 200);
    const res = await withKey(readOnly, 'POST', '/api/topics', { title: 'Should not land', raw: 'Nope nope', categoryId: category.id });
    t.equal(res.statusCode, 403);
    t.match(res.json().message, /lacks the "write" scope/);
  });
});

t.test('enforceApiScopes: read for GET, write otherwise, or the scope a route declares', async (t) => {
  const req = (method: string, scopes: string[], kind = 'api-key', apiScope?: string) =>
    ({ method, auth: { kind, scopes }, routeOptions: { config: { apiScope } } }) as unknown as FastifyRequest;
  await t.resolves(enforceApiScopes(req('GET', ['read'])));
  await t.rejects(enforceApiScopes(req('POST', ['read'])), { statusCode: 403, message: /"write" scope/ });
  await t.resolves(enforceApiScopes(req('DELETE', ['write'])));
  await t.rejects(enforceApiScopes(req('GET', ['write'])), { message: /"read" scope/ });
  await t.rejects(enforceApiScopes(req('POST', ['write'], 'api-key', 'email:receive')), { message: /"email:receive" scope/ });
  await t.resolves(enforceApiScopes(req('POST', ['email:receive'], 'api-key', 'email:receive')));
  await t.resolves(enforceApiScopes(req('POST', [], 'session')), 'sessions are not limited by scopes');
});
