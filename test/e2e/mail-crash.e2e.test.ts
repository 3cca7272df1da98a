// A real Parley process imports a batch of mail from a real Dovecot and is killed with SIGKILL
// half-way: no shutdown, no flush, whatever transaction was open is simply gone. Started again on
// the same database, it must finish the batch with every message posted exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, promises as fs, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import t from 'tap';
import { buildApp } from '../../core/app.ts';
import { openDatabase, type Database } from '../../core/db/database.ts';
import { insertMailbox } from '../../core/mail/imap/mailbox.repo.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';
import { rawMail } from '../helpers/mail.ts';
import { dovecotBinary, startDovecot, type Dovecot } from '../helpers/servers/dovecot.ts';

const UNIQUE = 145;
/** Messages sent twice (a client retrying, a list delivering twice): each copy is one legitimate 'duplicate' row. */
const RESENT = [3, 50, 99, 120, 144];
const TOTAL = UNIQUE + RESENT.length;
const ROOT = path.resolve(import.meta.dirname, '../..');

const noDovecot = dovecotBinary() ? false : 'dovecot is not installed (apt-get install dovecot-imapd)';
let dovecot: Dovecot;
if (!noDovecot) {
  t.before(async () => { dovecot = await startDovecot(); });
  t.teardown(() => dovecot?.stop());
}
t.setTimeout(180_000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address() as net.AddressInfo; server.close(() => resolve(port)); });
  });
}

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms: number, log?: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `; the process said:\n${readFileSync(log, 'utf8').slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Parley { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; alive(): boolean }

/** `parley start` as an admin runs it, its output in `log` (a pipe could hold the test open). */
function startParley(env: Record<string, string>, log: string): Parley {
  const out = openSync(log, 'a');
  const { NODE_OPTIONS: _, DATABASE_URL: __, ...inherited } = process.env;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/parley.js'), 'start'], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ['ignore', out, out] });
  closeSync(out);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => { running = false; resolve({ code, signal }); }));
  return { child, exited, alive: () => running };
}

/** The forum: Help takes mail to help@forum.test from Carol, and a mailbox feeds it from Dovecot. */
async function seedForum(database: Database, dataDir: string, imap: { user: string; pass: string }): Promise<void> {
  const app = await buildApp({ database, logger: false, jobs: false, config: { dataDir } });
  const core = app.parley;
  await core.services.users.create({ username: 'admin', email: 'admin@forum.test', password: 'correct horse battery', admin: true }, 'admin');
  await core.services.users.create({ username: 'carol', email: 'carol@customer.test', password: 'correct horse battery' }, 'admin');
  const category = await core.db.insertInto('categories').values({ name: 'Help', slug: 'help', email_in: 'help@forum.test' }).returning('id').executeTakeFirstOrThrow();
  await core.db.insertInto('category_groups').values({ category_id: category.id, group_id: 0, permission: 1 }).execute();
  await insertMailbox(core.db, {
    name: 'Support', host: dovecot.host, port: dovecot.port, tls: false, username: imap.user, password: imap.pass,
    folder: 'INBOX', after_import: 'seen', move_to: null, enabled: true,
  });
  await app.close();
}

t.test('a Parley killed with SIGKILL in the middle of an IMAP batch finishes it after a restart: every message posted exactly once, none lost', { skip: noDovecot }, async (t) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-crash-'));
  const log = path.join(dataDir, 'parley.log');
  const children: Parley[] = [];
  let database: Database | null = null;
  // Also on the way out if tap kills this file (a timeout): no Parley may outlive the test.
  const killAll = () => { for (const p of children) if (p.alive()) p.child.kill('SIGKILL'); };
  process.once('exit', killAll);
  t.teardown(async () => {
    process.off('exit', killAll);
    for (const p of children) if (p.alive()) { p.child.kill('SIGKILL'); await p.exited; }
    await database?.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const imap = { user: 'crash', pass: `pw-${Math.random().toString(36).slice(2, 8)}` };
  await dovecot.setUser(imap.user, imap.pass);
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: imap, logger: false });
  await client.connect();
  t.teardown(() => client.logout().catch(() => {}));
  const messageIds = Array.from({ length: UNIQUE }, (_, i) => `crash-${i}@customer.test`);
  const message = (i: number) => rawMail({ messageId: messageIds[i], subject: `Crash batch ${i}`, body: `Message ${i} of the batch.` });
  for (let i = 0; i < UNIQUE; i++) await client.append('INBOX', message(i));
  for (const i of RESENT) await client.append('INBOX', message(i));
  /** Messages Parley has taken: it flags each one read once the pipeline has stored and decided it. */
  const taken = async () => {
    const status = await client.status('INBOX', { unseen: true });
    return status && status.unseen !== undefined ? TOTAL - status.unseen : 0;
  };

  // PostgreSQL: a fresh database the test watches while Parley runs. PGlite: the files in PARLEY_DATA_DIR, which only one process may open.
  const pgliteDir = path.join(dataDir, 'pglite');
  if (ENGINE === 'postgres') {
    database = await freshDatabase();
    await seedForum(database, dataDir, imap);
  } else {
    const template = await freshDatabase();
    const dump = await template.dumpDataDir!();
    await template.close();
    const seed = await openDatabase({ url: null, pgliteDir, pgliteLoadFrom: dump });
    await seedForum(seed, dataDir, imap);
    await seed.close();
  }
  const env = {
    PARLEY_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: 'warn', PARLEY_SESSION_SECRET: 'crash-test-secret-crash-test-secret',
    ...(database ? { DATABASE_URL: database.connectionString! } : {}),
  };
  const count = async (status?: 'received') => {
    let query = database!.db.selectFrom('incoming_emails').select((eb) => eb.fn.countAll<number>().as('n'));
    if (status) query = query.where('status', '=', status);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  const stored = async () => database ? count() : taken();

  const first = startParley(env, log);
  children.push(first);
  // On PostgreSQL the test can see a message stored but not yet decided, and aims the kill at that
  // moment (the window "store first, then decide" must survive); on PGlite it kills after KILL_AT.
  const KILL_AT = 40;
  const window = await until(`${KILL_AT} messages taken`, async () => {
    if (!first.alive()) throw new Error(`parley exited early:\n${readFileSync(log, 'utf8')}`);
    const n = await stored();
    if (n < KILL_AT) return false;
    if (!database) return 'after a message was flagged read';
    if (await count('received')) return 'between storing a message and deciding it';
    return n >= 2 * KILL_AT && 'while deciding or flagging a message';
  }, 90_000, log);
  first.child.kill('SIGKILL');
  t.match(await first.exited, { signal: 'SIGKILL' }, 'the first process died of SIGKILL');
  const atKill = await stored();
  t.comment(`killed ${window}: ${atKill} stored${database ? `, ${await count('received')} of them undecided` : ''}, ${await taken()} flagged read in the mailbox, of ${TOTAL}`);
  t.ok(atKill >= KILL_AT && atKill < TOTAL, `killed in the middle of the batch (${atKill} of ${TOTAL})`);

  const restartedAt = Date.now();
  const second = startParley(env, log);
  children.push(second);
  await until('the whole batch taken', async () => {
    if (!second.alive()) throw new Error(`parley exited after the restart:\n${readFileSync(log, 'utf8')}`);
    return (await taken()) === TOTAL;
  }, 120_000, log);
  const finishedIn = Date.now() - restartedAt;
  t.ok(finishedIn < 60_000, `the restarted process takes over the dead one's mailbox at once, without waiting for its lease to run out (batch finished in ${finishedIn} ms)`);
  if (!database) {
    // PGlite: stop it the way an admin would, so the test may open the files.
    second.child.kill('SIGTERM');
    t.match(await second.exited, { code: 0 }, 'the restarted process shuts down cleanly');
    database = await openDatabase({ url: null, pgliteDir });
  }
  const db = database.db;

  const rows = await db.selectFrom('incoming_emails').select(['id', 'source_ref', 'message_id', 'status', 'reason', 'error', 'topic_id', 'post_id']).orderBy('id').execute();
  const box = await db.selectFrom('email_mailboxes').selectAll().executeTakeFirstOrThrow();
  t.same(rows.map((r) => r.source_ref).sort(), Array.from({ length: TOTAL }, (_, i) => `${box.id}:${box.uid_validity}:${i + 1}`).sort(), 'each message in the folder is stored exactly once');
  t.same(rows.filter((r) => r.status !== 'created' && r.status !== 'duplicate'), [], 'every message was decided: none left undecided or failed');
  const created = rows.filter((r) => r.status === 'created');
  t.same(created.map((r) => r.message_id).sort(), [...messageIds].sort(), 'every Message-ID was posted exactly once, none is missing');
  t.same(rows.filter((r) => r.status === 'duplicate').map((r) => r.message_id).sort(), RESENT.map((i) => messageIds[i]).sort(), 'only the copies sent twice are duplicates');

  const topics = await db.selectFrom('topics').select(['id', 'title']).where('title', 'like', 'Crash batch %').execute();
  t.equal(topics.length, UNIQUE, 'one topic per message');
  t.equal(new Set(topics.map((tp) => tp.title)).size, UNIQUE, 'no topic twice');
  const posts = await db.selectFrom('posts').select('id').where('via', '=', 'email').execute();
  t.equal(posts.length, UNIQUE, 'one post per message');
  t.same(new Set(created.map((r) => r.topic_id)), new Set(topics.map((tp) => tp.id)), 'each stored message points at its own topic');
  const remembered = await db.selectFrom('email_message_ids').select('message_id').where('direction', '=', 'in').execute();
  t.same(remembered.map((r) => r.message_id).sort(), [...messageIds].sort(), 'each Message-ID is remembered once for threading');
  t.match(box, { last_uid: TOTAL, status: 'ok' }, 'the mailbox records that the whole folder was read');
});
