import { Command } from 'commander';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { EX_TEMPFAIL, refused, runReceiveEmail, serverListening } from './mail/receive/receive-command.ts';
import { runParseEmail } from './mail/parse/parse-email-command.ts';
import { loadInstalledPlugins } from './plugins/load-plugins.ts';
import { startServer } from './server.ts';

const program = new Command('parley').description('Parley: a forum whose plugins turn group messaging into a support desk.');

/** Commands that need the database build the app without listening or running jobs. */
async function withApp<T>(fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> {
  const app = await buildApp({ plugins: await loadInstalledPlugins(), logger: { level: 'warn' }, jobs: false });
  try { return await fn(app); } finally { await app.close(); }
}

function fail(err: unknown): never {
  process.stderr.write(`parley: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

program.command('start').description('Migrate the database and serve Parley').action(async () => { await startServer(); });

program.command('migrate').description('Apply pending migrations of core and every plugin').action(async () => {
  await withApp(async () => { process.stdout.write('Database is up to date.\n'); });
});

const user = program.command('user').description('Manage users');
user.command('create <username> <email>').description('Create an active user')
  .option('--admin', 'make the user an admin').option('--moderator', 'make the user a moderator')
  .option('--password <password>', 'password (default: a random one, printed)').option('--name <name>', 'display name')
  .action(async (username: string, email: string, opts: { admin?: boolean; moderator?: boolean; password?: string; name?: string }) => {
    const password = opts.password ?? (await import('node:crypto')).randomBytes(9).toString('base64url');
    await withApp(async (app) => {
      const created = await app.parley.services.users.create({ username, email, password, name: opts.name, admin: opts.admin, moderator: opts.moderator }, 'admin');
      process.stdout.write(`Created ${created.username}${created.admin ? ' (admin)' : ''}${opts.password ? '' : ` with password ${password}`}\n`);
    });
  });

const plugin = program.command('plugin').description('List, enable or disable plugins');
plugin.command('list').action(async () => withApp(async (app) => {
  for (const p of app.parley.plugins.list()) process.stdout.write(`${p.enabled ? 'on ' : 'off'}  ${p.name}@${p.version}  ${p.description}\n`);
}));
for (const [cmd, on] of [['enable', true], ['disable', false]] as const) {
  plugin.command(`${cmd} <name>`).action(async (name: string) => withApp(async (app) => {
    await app.parley.plugins.setEnabled(name, on);
    process.stdout.write(`${name} is ${on ? 'enabled' : 'disabled'}.\n`);
  }));
}

program.command('parse-email [files...]').description('Parse mail (files, or one message on stdin) and print one JSON line per message; no database, no network')
  .action(async (files: string[]) => { await runParseEmail(files ?? [], { stdin: process.stdin, stdout: process.stdout }); });

const collect = (value: string, list: string[]) => [...list, value];

program.command('receive-email [files...]')
  .description('Deliver mail piped from Postfix or Exim (files, or one message on stdin): store, decide, print one JSON line per message. Exit 0 once stored, 75 to make the MTA retry, 65 to make it bounce')
  .option('--recipient <address>', 'envelope recipient, repeatable (default: ORIGINAL_RECIPIENT and RECIPIENT from the environment)', collect, [])
  .action(async (files: string[], opts: { recipient: string[] }) => {
    const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
    const config = loadConfig();
    const inputs = files.length ? files : [undefined];
    const tempfail = (detail: string) => {
      for (const file of inputs) io.stdout.write(`${JSON.stringify(refused(file, 'store_failed', detail))}\n`);
      io.stderr.write(`parley: ${detail}\n`);
      process.exit(EX_TEMPFAIL);
    };
    // PGlite is one process's database: a second one writing to it would corrupt it.
    if (!config.databaseUrl && await serverListening(config.host, config.port)) {
      tempfail(`Parley is running on ${config.host}:${config.port} with the embedded database, which only that process may open. Deliver by HTTP (POST /admin/email/receive) or the SMTP receiver, or run Parley on PostgreSQL.`);
    }
    let app: Awaited<ReturnType<typeof buildApp>>;
    try {
      app = await buildApp({ config, plugins: await loadInstalledPlugins(), logger: { level: 'warn' }, jobs: false });
    } catch (err) {
      return tempfail(`The database is not available; the mail server should try again later (${err instanceof Error ? err.message : String(err)}).`);
    }
    const code = await runReceiveEmail(app.parley.mail.receiver, files, { recipients: opts.recipient, maxEmailBytes: config.maxEmailBytes }, io)
      .catch((err: unknown) => { io.stderr.write(`parley: ${err instanceof Error ? err.message : String(err)}\n`); return EX_TEMPFAIL; });
    await app.close().catch(() => {});
    process.exit(code);
  });

const email = program.command('email').description('Received mail');
email.command('reprocess <id>').description('Decide a stored email again (after a fix, or a new sender rule) and print its outcome as one JSON line')
  .option('--release-spam', 'post it even though it carries a spam verdict')
  .action(async (id: string, opts: { releaseSpam?: boolean }) => withApp(async (app) => {
    if (!/^\d+$/.test(id)) throw new Error(`"${id}" is not an email id (a number, as in the admin's Email page).`);
    const outcome = await app.parley.mail.receiver.process(Number(id), { reprocess: true, releaseSpam: opts.releaseSpam });
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  }));

await program.parseAsync(process.argv).catch(fail);
