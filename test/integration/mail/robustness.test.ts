// Mail arrives damaged: cut off by a full disk, mangled by a relay, or not mail at all. Each such
// message must still end somewhere an admin can see it, with its bytes kept for reprocessing, and
// must not take the forum down with it.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { definePlugin } from '../../../core/plugin-api.ts';
import type { IncomingStatus } from '../../../core/mail/mail.table.ts';
import { testApp } from '../../helpers/app.ts';
import { ENGINE } from '../../helpers/database.ts';
import { rawMail } from '../../helpers/mail.ts';
import { SEEDS, SEED_NAMES, mutant, type Mutant, type SeedAddresses } from '../../helpers/mail-mutations.ts';

const COUNT = 1000;
/** Messages in flight at once: PGlite runs one query at a time, PostgreSQL has a pool of five. */
const CONCURRENCY = ENGINE === 'postgres' ? 4 : 1;
const FINAL: IncomingStatus[] = ['created', 'bounce', 'duplicate', 'rejected', 'error'];
const ADDRESSES: SeedAddresses = { from: 'carol@customer.test', to: 'help@forum.test', bounceTo: 'noreply@forum.test' };

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Runs `fn` over `items`, at most `limit` at a time, in order of start. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

t.test('a thousand truncated or mangled emails crash nothing: each is kept byte for byte with a final status, and the forum keeps serving', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  await h.user('carol', { email: ADDRESSES.from });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: ADDRESSES.to }).where('id', '=', category.id).execute();
  const receiver = h.core.mail.receiver;

  // Undamaged, every seed reaches its intended outcome: the damage below is what makes the difference.
  for (const name of SEED_NAMES) {
    const outcome = await receiver.receive(SEEDS[name]!(`seed-${name}`, ADDRESSES), { source: 'http' });
    t.equal(outcome.status, name === 'dsn' ? 'bounce' : 'created', `the undamaged ${name} message: ${JSON.stringify(outcome)}`);
  }

  const before = await h.core.db.selectFrom('incoming_emails').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
  const mutants = Array.from({ length: COUNT }, (_, i) => mutant(i, ADDRESSES));
  const escaped: string[] = [];
  const started = Date.now();
  await eachLimited(mutants, CONCURRENCY, async (m) => {
    try {
      await receiver.receive(m.raw, { source: 'http' });
    } catch (err) {
      escaped.push(`#${m.index} (${m.seed}: ${m.what}): ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  t.comment(`${COUNT} damaged messages through the pipeline in ${Date.now() - started} ms on ${ENGINE}`);
  t.same(escaped.slice(0, 10), [], `no message makes receive() throw (${escaped.length} did)`);

  // Rows are matched to messages by the hash of what was sent, so a message whose receive() threw is looked for too.
  const rows = await h.core.db.selectFrom('incoming_emails').select(['id', 'raw', 'raw_sha256', 'status', 'reason', 'error', 'trace', 'topic_id'])
    .where('id', '>', Number(before.id)).orderBy('id').execute();
  t.equal(rows.length, COUNT, 'each message has exactly one incoming_emails row');
  const sent = new Map<string, Mutant[]>();
  for (const m of mutants) sent.set(sha256(m.raw), [...(sent.get(sha256(m.raw)) ?? []), m]);
  const problems: string[] = [];
  const statuses = new Map<string, number>();
  const byId = new Map<number, Mutant>();
  for (const row of rows) {
    const raw = Buffer.from(row.raw);
    const m = sent.get(sha256(raw))?.shift();
    if (!m) { problems.push(`email ${row.id}: its ${raw.length} stored bytes are not any message sent`); continue; }
    byId.set(row.id, m);
    const label = `#${m.index} (${m.seed}: ${m.what})`;
    if (row.raw_sha256 !== sha256(m.raw)) problems.push(`${label}: raw_sha256 is not the hash of what was sent`);
    if (!FINAL.includes(row.status)) problems.push(`${label}: left as ${row.status}`);
    if (row.status === 'error' && !row.error?.trim()) problems.push(`${label}: error status without an error text`);
    if ((row.status === 'rejected' || row.status === 'error') && !row.reason) problems.push(`${label}: ${row.status} without a reason`);
    if (!row.trace.some((s) => s.step === 'store')) problems.push(`${label}: the trace lost its store step`);
    const key = `${row.status}${row.reason ? `/${row.reason}` : ''}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (row.reason === 'processing_error') problems.push(`${label}: the decision failed (${row.error}); damaged mail must be refused or posted, not trip over itself`);
  }
  const unstored = [...sent.values()].flat();
  t.same(unstored.map((m) => `#${m.index} (${m.seed}: ${m.what})`).slice(0, 10), [], `every message sent is stored unchanged (${unstored.length} are not)`);
  t.comment(`outcomes: ${[...statuses].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.same(problems.slice(0, 10), [], `every row has a final status, and a reason and error text where it failed (${problems.length} problems)`);
  t.ok((statuses.get('created') ?? 0) > COUNT / 10, 'many damaged messages are still readable enough to post');
  t.ok([...statuses.keys()].some((k) => k.startsWith('error') || k.startsWith('rejected')), 'and unreadable ones are refused or kept as errors');

  // What people then look at: topics posted from damaged mail, and the admin's view of what was not posted.
  const visitor = await h.anonymous();
  t.equal((await visitor.get('/api/latest')).statusCode, 200, 'the forum still answers requests');
  t.equal((await admin.get('/admin/email?status=rejected')).statusCode, 200, 'the admin list of refused mail renders');
  const spread = <T>(list: T[], n: number) => list.filter((_, i) => i % Math.max(1, Math.floor(list.length / n)) === 0).slice(0, n);
  const broken: string[] = [];
  for (const row of spread(rows.filter((r) => r.status === 'created'), 30)) {
    const moved = await visitor.get(`/t/${row.topic_id}`);
    const page = moved.statusCode === 301 ? await visitor.get(moved.headers.location as string) : moved;
    if (page.statusCode !== 200) broken.push(`the topic of email ${row.id} (#${byId.get(row.id)!.index}) answered ${page.statusCode}`);
  }
  for (const row of spread(rows.filter((r) => r.status !== 'created'), 30)) {
    const page = await admin.get(`/admin/email/received/${row.id}`);
    if (page.statusCode !== 200) broken.push(`the admin page of email ${row.id} (#${byId.get(row.id)!.index}) answered ${page.statusCode}`);
  }
  t.same(broken, [], 'topics posted from damaged mail open, and so do the admin pages of mail that was not posted');
});

t.test('when even recording a failure fails, the message is still marked failed with what went wrong, never left undecided', async (t) => {
  const broken = definePlugin({
    name: 'broken-router', version: '1.0.0',
    register(ctx) { ctx.hooks.onFilter('email-destination', () => { throw new Error('router is down'); }); },
  });
  const h = await testApp({ plugins: [broken] });
  t.teardown(() => h.close());
  await h.core.plugins.setEnabled('broken-router', true);
  await h.user('carol', { email: ADDRESSES.from });
  // The database refuses this subject, as it would a value it cannot store.
  await sql`ALTER TABLE incoming_emails ADD CONSTRAINT test_refuses_subject CHECK (subject IS NULL OR subject NOT LIKE '%unstorable%')`.execute(h.core.db);
  const outcome = await h.core.mail.receiver.receive(rawMail({ from: ADDRESSES.from, to: ADDRESSES.to, subject: 'An unstorable subject' }), { source: 'http' });
  t.match(outcome, { status: 'error', reason: 'processing_error' });
  const row = await h.core.db.selectFrom('incoming_emails').select(['status', 'reason', 'error', 'subject', 'trace']).where('id', '=', outcome.id).executeTakeFirstOrThrow();
  t.match(row, { status: 'error', reason: 'processing_error', subject: null });
  t.match(row.error, /router is down.*details could not be stored/);
  t.same(row.trace.map((s) => s.step), ['store'], 'the trace keeps the step that stored it');
});
