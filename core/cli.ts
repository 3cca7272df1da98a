import { Command } from 'commander';
import { buildApp } from './app.ts';
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

await program.parseAsync(process.argv).catch(fail);
