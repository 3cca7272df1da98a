import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type BuildOptions } from '../../core/app.ts';
import { SESSION_COOKIE, createSession } from '../../core/auth/sessions.ts';
import type { Core } from '../../core/core.ts';
import type { User } from '../../core/users/users.table.ts';
import { freshDatabase } from './database.ts';

/** Tests hash passwords at scrypt's lowest accepted cost: hundreds of accounts, not a login's real defence. */
const TEST_SCRYPT_N = 1024;

export interface Client {
  user: User | null;
  /** The session cookie's value (for a websocket), or null for a visitor. */
  sessionToken: string | null;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** GET and parse JSON, failing loudly on a non-2xx. */
  json<T = any>(url: string): Promise<T>;
}

export interface TestApp {
  app: FastifyInstance;
  core: Core;
  /** A signed-in client for a new user (created through the users service, so hooks fire). */
  user(username: string, flags?: { admin?: boolean; moderator?: boolean; email?: string; name?: string }): Promise<Client>;
  anonymous(): Promise<Client>;
  /** A category everyone may read and start topics in (the 'everyone' group with 'create'). */
  publicCategory(name?: string): Promise<{ id: number }>;
  close(): Promise<void>;
}

export async function testApp(opts: Omit<BuildOptions, 'database'> = {}): Promise<TestApp> {
  const database = await freshDatabase();
  const app = await buildApp({ logger: false, ...opts, database, config: { dataDir: '/tmp/parley-test-data', passwordScryptN: TEST_SCRYPT_N, ...opts.config } });
  const core = app.parley;
  return {
    app, core,
    async user(username, flags = {}) {
      const user = await core.services.users.create({ username, email: flags.email ?? `${username}@example.com`, password: 'correct horse battery', name: flags.name ?? username, admin: flags.admin, moderator: flags.moderator }, 'admin');
      const token = await createSession(core.db, user.id, {});
      return client(app, user, { [SESSION_COOKIE]: token });
    },
    anonymous: () => client(app, null, {}),
    async publicCategory(name = 'General') {
      const category = await core.db.insertInto('categories').values({ name, slug: name.toLowerCase() }).returning('id').executeTakeFirstOrThrow();
      await core.db.insertInto('category_groups').values({ category_id: category.id, group_id: 0, permission: 1 }).execute();
      return category;
    },
    async close() { await app.close(); await database.close(); },
  };
}

/** A browser-like client: keeps cookies, sends the CSRF token on state changes. */
export async function client(app: FastifyInstance, user: User | null, cookies: Record<string, string>): Promise<Client> {
  const jar = { ...cookies };
  const send = async (opts: InjectOptions & { method: string }): Promise<LightMyRequestResponse> => {
    const res = await app.inject({ ...opts, cookies: jar });
    for (const c of res.cookies as { name: string; value: string }[]) jar[c.name] = c.value;
    return res;
  };
  const csrfRes = await send({ method: 'GET', url: '/api/session/csrf' });
  const csrf = (csrfRes.json() as { csrf: string }).csrf;
  const withBody = (method: 'POST' | 'PUT' | 'DELETE') => (url: string, body?: unknown) =>
    send({ method, url, payload: body as InjectOptions['payload'], headers: { 'x-csrf-token': csrf } });
  return {
    user,
    sessionToken: jar[SESSION_COOKIE] ?? null,
    get: (url) => send({ method: 'GET', url }),
    post: withBody('POST'),
    put: withBody('PUT'),
    delete: withBody('DELETE'),
    async json(url) {
      const res = await send({ method: 'GET', url });
      if (res.statusCode >= 300) throw new Error(`GET ${url} -> ${res.statusCode}: ${res.body}`);
      return res.json();
    },
  };
}

/** A browser asking for pages as `user` (or a visitor): GETs with `accept: text/html`, so errors come back as pages. */
export async function browser(h: TestApp, user: User | null): Promise<(url: string) => Promise<LightMyRequestResponse>> {
  const cookies: Record<string, string> = user ? { [SESSION_COOKIE]: await createSession(h.core.db, user.id, {}) } : {};
  return (url: string) => h.app.inject({ method: 'GET', url, cookies, headers: { accept: 'text/html' } });
}
