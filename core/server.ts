import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { loadInstalledPlugins } from './plugins/load-plugins.ts';

/** Builds and listens; prints where Parley is and how to log in. Stops gracefully on SIGINT/SIGTERM. */
export async function startServer(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const config = loadConfig(process.env, overrides);
  const app = await buildApp({ config, plugins: await loadInstalledPlugins() });
  const firstAdmin = await ensureFirstAdmin(app);
  await app.listen({ host: config.host, port: config.port });
  const engine = app.parley.database.engine === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  const lines = [`Parley is running at ${config.baseUrl}  (database: ${engine})`];
  if (firstAdmin) lines.push(`First start: an admin account was created. Log in as "${firstAdmin.username}" with password: ${firstAdmin.password}`, 'Change it after logging in, or create your own admin with: npx parley user create NAME EMAIL --admin');
  else lines.push('Log in with your account. To add an admin: npx parley user create NAME EMAIL --admin');
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return app;
}

/** On an empty database, an `admin` account with a random password, shown once on the console. */
async function ensureFirstAdmin(app: FastifyInstance): Promise<{ username: string; password: string } | null> {
  const core = app.parley;
  const anyAdmin = await core.db.selectFrom('users').select('id').where('admin', '=', true).executeTakeFirst();
  if (anyAdmin) return null;
  const password = randomBytes(9).toString('base64url');
  const username = process.env.PARLEY_ADMIN_USERNAME ?? 'admin';
  await core.services.users.create({ username, email: process.env.PARLEY_ADMIN_EMAIL ?? `${username}@localhost.localdomain`, password: process.env.PARLEY_ADMIN_PASSWORD ?? password, name: 'Administrator', admin: true }, 'admin');
  return { username, password: process.env.PARLEY_ADMIN_PASSWORD ? '(the one in PARLEY_ADMIN_PASSWORD)' : password };
}
