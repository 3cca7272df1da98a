import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import { SmtpReceiver } from './mail/receive/smtp-receiver.ts';
import { loadInstalledPlugins } from './plugins/load-plugins.ts';

/** Builds and listens; prints where Parley is and how to log in. Stops gracefully on SIGINT/SIGTERM. */
export async function startServer(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const config = loadConfig(process.env, overrides);
  const app = await buildApp({ config, plugins: await loadInstalledPlugins() });
  const firstAdmin = await ensureFirstAdmin(app);
  await app.listen({ host: config.host, port: config.port });
  const smtp = await startSmtpReceiver(app, config);
  const engine = app.parley.database.engine === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  const lines = [`Parley is running at ${config.baseUrl}  (database: ${engine})`];
  if (smtp) lines.push(`Receiving mail by SMTP on ${config.host}:${smtp.port} for ${smtp.domains}`);
  if (firstAdmin) lines.push(`First start: an admin account was created. Log in as "${firstAdmin.username}" with password: ${firstAdmin.password}`, 'It is shown only this once: change it under Preferences, or create your own admin with: npx parley user create NAME EMAIL --admin');
  else lines.push('Log in with your account. To add an admin: npx parley user create NAME EMAIL --admin');
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await smtp?.receiver.close(); // first: messages being stored still need the database
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return app;
}

/** The built-in SMTP receiver, when PARLEY_SMTP_RECEIVER_PORT is set. */
async function startSmtpReceiver(app: FastifyInstance, config: Config): Promise<{ receiver: SmtpReceiver; port: number; domains: string } | null> {
  if (config.smtpReceiverPort === null) return null;
  const mail = app.parley.mail;
  const receiver = new SmtpReceiver({ receiver: mail.receiver, ownDomain: async () => (await mail.addresses()).domain, log: app.log }, {
    host: config.host, port: config.smtpReceiverPort, domains: config.smtpReceiverDomains, maxEmailBytes: config.maxEmailBytes,
    hostname: new URL(config.baseUrl).hostname || 'localhost',
  });
  try {
    const port = await receiver.listen();
    return { receiver, port, domains: config.smtpReceiverDomains.join(', ') || `${(await mail.addresses()).domain} (the domain of the site's own addresses; set PARLEY_SMTP_RECEIVER_DOMAINS to choose)` };
  } catch (err) {
    await app.close();
    throw err;
  }
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
