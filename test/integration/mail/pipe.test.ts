import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import t from 'tap';
import { EX_DATAERR, EX_OK, EX_TEMPFAIL, runReceiveEmail, type ReceiveLine } from '../../../core/mail/receive/receive-command.ts';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { ENGINE } from '../../helpers/database.ts';
import { rawMail } from '../../helpers/mail.ts';

async function mailForum(h: TestApp): Promise<void> {
  await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
}

/** Runs the command in-process: stdin from `input`, and what it printed. */
async function pipe(receiver: Parameters<typeof runReceiveEmail>[0], files: string[], opts: { input?: Buffer; recipients?: string[]; env?: NodeJS.ProcessEnv; max?: number } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runReceiveEmail(receiver, files, { recipients: opts.recipients ?? [], maxEmailBytes: opts.max ?? 1_000_000, env: opts.env ?? {} },
    { stdin: Readable.from(opts.input ? [opts.input] : []), stdout, stderr });
  const lines = Buffer.concat(out).toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ReceiveLine);
  return { code, lines, stderr: Buffer.concat(err).toString() };
}

const incomingCount = async (h: TestApp) => (await h.core.db.selectFrom('incoming_emails').select('id').execute()).length;

t.test('a message piped by the MTA becomes a post; the envelope recipient comes from --recipient or the environment', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const receiver = h.core.mail.receiver;

  const first = await pipe(receiver, [], { input: rawMail({ messageId: 'pipe-1@customer.test' }) });
  t.equal(first.code, EX_OK);
  t.match(first.lines, [{ status: 'created', reason: null, topicId: Number, postId: Number }]);
  t.notOk('file' in first.lines[0]!, 'stdin has no file name');
  const row = await h.core.db.selectFrom('incoming_emails').selectAll().where('id', '=', first.lines[0]!.id!).executeTakeFirstOrThrow();
  t.equal(row.source, 'pipe');

  // The To header names a list; Postfix tells us the address the mail was really delivered to.
  const listMail = rawMail({ to: 'everyone@lists.test', messageId: 'pipe-2@customer.test', subject: 'Via a list' });
  const byEnv = await pipe(receiver, [], { input: listMail, env: { ORIGINAL_RECIPIENT: 'Help@Forum.test', RECIPIENT: 'parley@localhost' } });
  t.equal(byEnv.lines[0]!.status, 'created', JSON.stringify(byEnv.lines));
  const stored = await h.core.db.selectFrom('incoming_emails').select('envelope_recipients').where('id', '=', byEnv.lines[0]!.id!).executeTakeFirstOrThrow();
  t.same(stored.envelope_recipients, ['help@forum.test', 'parley@localhost']);

  const byOption = await pipe(receiver, [], { input: rawMail({ to: 'everyone@lists.test', messageId: 'pipe-3@customer.test' }), recipients: ['help@forum.test'], env: { RECIPIENT: 'other@forum.test' } });
  t.equal(byOption.lines[0]!.status, 'created', '--recipient wins over the environment');
});

t.test('a stored message exits 0 even when it is rejected: the MTA must neither bounce nor retry it', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const res = await pipe(h.core.mail.receiver, [], { input: rawMail({ from: 'stranger@elsewhere.test', messageId: 'stranger@elsewhere.test' }) });
  t.equal(res.code, EX_OK);
  t.match(res.lines, [{ id: Number, status: 'rejected', reason: 'unknown_sender', detail: /no account/ }]);
  const garbage = await pipe(h.core.mail.receiver, [], { input: Buffer.from('\x00\x01 this is not mail at all') });
  t.equal(garbage.code, EX_OK, 'unreadable mail is stored and kept for the admin: exit 0');
  t.match(garbage.lines[0], { id: Number, status: /error|rejected/ });
});

t.test('files are delivered in order; too large or unreadable input is refused so the MTA bounces it, and nothing is stored', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-pipe-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const good = path.join(dir, 'good.eml');
  const big = path.join(dir, 'big.eml');
  await fs.writeFile(good, rawMail({ messageId: 'file-1@customer.test' }));
  await fs.writeFile(big, rawMail({ messageId: 'file-2@customer.test', body: 'x'.repeat(5000) }));
  const res = await pipe(h.core.mail.receiver, [good, big, path.join(dir, 'missing.eml')], { max: 4000 });
  t.equal(res.code, EX_DATAERR);
  t.match(res.lines, [
    { file: good, status: 'created' },
    { file: big, id: null, status: 'error', reason: 'too_large', detail: /accepts mail of up to 4000 bytes/ },
    { file: /missing\.eml$/, id: null, status: 'error', reason: 'unreadable' },
  ]);
  t.match(res.stderr, /too_large|accepts mail of up to 4000 bytes/);
  t.equal(await incomingCount(h), 1, 'only the good message was stored');

  const tooBig = await pipe(h.core.mail.receiver, [], { input: Buffer.alloc(10_000, 'a'), max: 4000 });
  t.equal(tooBig.code, EX_DATAERR);
  t.match(tooBig.lines[0], { reason: 'too_large', detail: /10000 bytes/ });
  const empty = await pipe(h.core.mail.receiver, [], { input: Buffer.alloc(0) });
  t.match(empty, { code: EX_DATAERR, lines: [{ reason: 'empty' }] });
  t.equal(await incomingCount(h), 1);
});

t.test('when the message cannot be stored the command exits 75 so the MTA retries; once stored, a failed decision is left to the recovery job', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const receiver = h.core.mail.receiver;
  const down = await pipe({ store: () => Promise.reject(new Error('connect ECONNREFUSED')), process: receiver.process.bind(receiver) }, [], { input: rawMail() });
  t.equal(down.code, EX_TEMPFAIL);
  t.match(down.lines, [{ id: null, status: 'error', reason: 'store_failed', detail: /try again later.*ECONNREFUSED/ }]);

  const halfway = await pipe({ store: receiver.store.bind(receiver), process: () => Promise.reject(new Error('connection lost')) }, [], { input: rawMail({ messageId: 'halfway@customer.test' }) });
  t.equal(halfway.code, EX_OK, 'stored is enough: the MTA must not deliver it twice');
  t.match(halfway.lines, [{ id: Number, status: 'received', reason: 'pending', detail: /recovery job.*connection lost/ }]);
  t.equal(await receiver.processPending(0), 1);
  const row = await h.core.db.selectFrom('incoming_emails').select(['status', 'post_id']).where('id', '=', halfway.lines[0]!.id!).executeTakeFirstOrThrow();
  t.match(row, { status: 'created', post_id: Number });
});

/** The real command line, as an MTA runs it. */
function cli(args: string[], env: NodeJS.ProcessEnv, input: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/parley.js', ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })));
}

t.test('parley receive-email exits 75 (EX_TEMPFAIL) when the database is down', async (t) => {
  const res = await cli(['receive-email'], { DATABASE_URL: 'postgres://parley:parley@127.0.0.1:1/nowhere' }, rawMail());
  t.equal(res.code, EX_TEMPFAIL, res.stderr);
  t.match(JSON.parse(res.stdout), { id: null, status: 'error', reason: 'store_failed', detail: /database is not available/ });
});

t.test('parley receive-email and parley email reprocess on the command line', { skip: ENGINE === 'pglite' ? 'PGlite is single-process: a second process cannot open the test database' : false }, async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const env = { DATABASE_URL: h.core.database.connectionString!, PARLEY_DATA_DIR: '/tmp/parley-test-data', RECIPIENT: 'help@forum.test' };
  const spam = rawMail({ messageId: 'cli-spam@customer.test', to: 'someone@lists.test', headers: { 'X-Spam-Flag': 'YES' } });
  const received = await cli(['receive-email'], env, spam);
  t.equal(received.code, EX_OK, received.stderr);
  const line = JSON.parse(received.stdout) as ReceiveLine;
  t.match(line, { status: 'rejected', reason: 'spam' });
  const again = await cli(['email', 'reprocess', String(line.id), '--release-spam'], env, Buffer.alloc(0));
  t.equal(again.code, 0, again.stderr);
  t.match(JSON.parse(again.stdout), { id: line.id, status: 'created', postId: Number });
  const twice = await cli(['email', 'reprocess', String(line.id)], env, Buffer.alloc(0));
  t.equal(twice.code, 1);
  t.match(twice.stderr, /already posted/);
});
