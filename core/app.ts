import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { loadConfig, type Config } from './config.ts';
import type { Core } from './core.ts';
import { openDatabase, type Database } from './db/database.ts';
import { CORE_MIGRATIONS, migrateFolder } from './db/migrate.ts';
import { Hooks } from './hooks/hooks.ts';
import { enforceApiScopes } from './http/api-scopes.ts';
import { errorHandler } from './http/error-handler.ts';
import { loginRequiredHook } from './http/login-required.ts';
import { registerApiDocs } from './http/openapi.ts';
import { pgRateLimitStore } from './http/rate-limit-store.ts';
import { registerCoreRoutes } from './http/routes.ts';
import { viewerPlugin } from './http/viewer.ts';
import { scheduleHousekeeping } from './jobs/housekeeping.ts';
import { Jobs } from './jobs/jobs.ts';
import { createMail, startMail } from './mail/mail.ts';
import { Guardian } from './permissions/guardian.ts';
import { createPluginContext } from './plugins/plugin-context.ts';
import { orderPlugins, type AnyPlugin } from './plugins/define-plugin.ts';
import { PluginRegistry } from './plugins/plugin-registry.ts';
import { EventBus } from './realtime/event-bus.ts';
import { LiveHub } from './realtime/live-hub.ts';
import { Presence } from './realtime/presence.ts';
import { createServices } from './services.ts';
import { ViewEngine } from './web/view-engine.ts';

declare module 'fastify' {
  interface FastifyInstance { parley: Core }
}

export interface BuildOptions {
  config?: Partial<Config>;
  plugins?: AnyPlugin[];
  /** Use an already-open database (tests); otherwise one is opened from the config. */
  database?: Database;
  logger?: FastifyServerOptions['logger'];
  /** Start pg-boss (default true). */
  jobs?: boolean;
}

/** Builds a ready Parley app: database migrated, plugins registered in dependency order, routes mounted. Does not listen. */
export async function buildApp(opts: BuildOptions = {}): Promise<FastifyInstance> {
  const config = loadConfig(process.env, opts.config);
  const plugins = orderPlugins(opts.plugins ?? []);
  const database = opts.database ?? await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
  const app = Fastify({ logger: opts.logger ?? { level: config.logLevel }, trustProxy: true, bodyLimit: config.maxUploadBytes + 1024 * 1024 });
  try {
    await migrate(database, plugins);
    const core = await assembleCore(app, config, database, plugins);
    app.decorate('parley', core);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) (core.routes as { method: string; url: string }[]).push({ method, url: route.url });
    });
    app.addHook('onClose', async () => {
      await core.mail.imap.stop();
      await core.jobs.stop();
      core.live.presence.stop();
      await core.bus.stop();
      if (!opts.database) await database.close();
    });
    await registerHttp(app, core);
    await core.bus.start();
    core.live.hub.start();
    core.live.presence.onChange((topicId, entries) => { void core.live.hub.sendPresence(topicId, entries); });
    core.live.presence.start();
    await core.plugins.start();
    if (opts.jobs !== false) {
      await core.jobs.start();
      await scheduleHousekeeping(core.jobs, core.db, () => core.clock());
      await startMail(core.mail);
    }
    for (const plugin of plugins) await registerPlugin(app, core, plugin);
    await app.ready();
    return app;
  } catch (err) {
    await app.close().catch(() => {});
    if (!opts.database) await database.close().catch(() => {});
    throw err;
  }
}

async function migrate(database: Database, plugins: AnyPlugin[]): Promise<void> {
  await migrateFolder(database.db, 'core', CORE_MIGRATIONS);
  for (const p of plugins) if (p.migrations) await migrateFolder(database.db, p.name, p.migrations);
}

async function assembleCore(app: FastifyInstance, config: Config, database: Database, plugins: AnyPlugin[]): Promise<Core> {
  const log = app.log;
  let registry: PluginRegistry | null = null;
  const isEnabled = (name: string) => registry?.isEnabled(name) ?? false;
  const hooks = new Hooks(isEnabled, log);
  const bus = new EventBus(database, (err) => log.error({ err }, 'event bus handler failed'));
  registry = new PluginRegistry(database.db, bus, plugins);
  const guardian = new Guardian(hooks);
  const now = () => core.clock().getTime();
  const live = { hub: new LiveHub({ db: database.db, guardian, bus, now }), presence: new Presence(bus, now) };
  const views = new ViewEngine(isEnabled);
  await views.load();
  const core: Core = {
    config, database, db: database.db, hooks, bus, live, guardian, views, log,
    plugins: registry,
    jobs: new Jobs(database, config.runJobs, (err) => log.error({ err }, 'job system error')),
    clock: () => new Date(),
    routes: [],
    services: undefined as unknown as Core['services'],
    mail: undefined as unknown as Core['mail'],
  };
  const services = createServices({ db: database.db, hooks, guardian, bus, config, now: () => core.clock() });
  (core as { services: Core['services'] }).services = services;
  (core as { mail: Core['mail'] }).mail = createMail({ db: database.db, bus, hooks, guardian, services, jobs: core.jobs, config, now: () => core.clock(), log });
  return core;
}

async function registerHttp(app: FastifyInstance, core: Core): Promise<void> {
  app.setErrorHandler(errorHandler);
  await app.register(cookie, { secret: await sessionSecret(core.config) });
  await app.register(formbody);
  await app.register(csrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' }, getToken: (req) => (req.headers['x-csrf-token'] as string | undefined) ?? (req.body as Record<string, string> | undefined)?._csrf });
  await app.register(rateLimit, { global: false, store: pgRateLimitStore(core.db) as never });
  await app.register(viewerPlugin, { core });
  app.addHook('preHandler', loginRequiredHook(core));
  // Browsers prove intent with a CSRF token on every state change; API keys carry no ambient authority and need none.
  app.addHook('preHandler', (req, reply, done) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || req.auth.kind === 'api-key' || req.routeOptions.config?.csrf === false) return done();
    app.csrfProtection(req, reply, done);
  });
  app.addHook('preHandler', enforceApiScopes);
  await registerApiDocs(app);
  await registerCoreRoutes(app, core);
}

async function registerPlugin(app: FastifyInstance, core: Core, plugin: AnyPlugin): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (_req, reply) => {
      if (!core.plugins.isEnabled(plugin.name)) return reply.callNotFound();
    });
    await plugin.register(createPluginContext(core, plugin.name, scope));
  });
}

/** A stable secret: from the environment, or generated once into the data folder. */
async function sessionSecret(config: Config): Promise<string> {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, 'session-secret');
  const existing = await fs.readFile(file, 'utf8').catch(() => null);
  if (existing?.trim()) return existing.trim();
  const secret = randomBytes(32).toString('base64url');
  await fs.mkdir(config.dataDir, { recursive: true });
  await fs.writeFile(file, secret, { mode: 0o600 });
  return secret;
}
