import t from 'tap';
import { buildApp } from '../../../core/app.ts';
import { sql, type OutgoingDraft } from '../../../core/plugin-api.ts';
import { browser, testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import whispers from '../../whispers/index.ts';
import autoReply from '../index.ts';

// One forum for the whole file: the support group (alice, bob) with its inbox at
// support@forum.test, mail kept in the outbox (no SMTP), and a clock the test moves.
const started = Date.now();
const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers, autoReply], config: { baseUrl: 'http://forum.test' } });
t.teardown(() => h.close());
let now = new Date('2026-12-01T09:00:00Z');
h.core.clock = () => now;
const later = (minutes: number) => { now = new Date(now.getTime() + minutes * 60_000); };

const admin = await h.user('admin', { admin: true });
const alice = await h.user('alice', { name: 'Alice Agent' });
const bob = await h.user('bob');
const mallory = await h.user('mallory');
const dora = await h.user('dora', { name: 'Dora Customer', email: 'dora@customer.test' });
await h.core.services.groups.create({ name: 'support', full_name: 'Acme Support', messageable: 'everyone' });
await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice', 'bob']);
await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'], fromName: 'Acme Support' });

t.comment(`set up in ${Date.now() - started} ms`);
const receive = async (opts: Parameters<typeof rawMail>[0]) => h.core.mail.receiver.receive(rawMail({ to: 'Acme Support <support@forum.test>', ...opts }), { source: 'http', envelopeRecipients: ['support@forum.test'] });
const acknowledgements = (where: { topicId?: number; to?: string } = {}) => {
  let q = h.core.db.selectFrom('outgoing_emails').selectAll().where('kind', '=', 'auto-reply');
  if (where.topicId) q = q.where('topic_id', '=', where.topicId);
  if (where.to) q = q.where('to_address', 'like', `%${where.to}%`);
  return q.orderBy('id').execute();
};
const decision = async (topicId: number) => (await alice.json(`/api/t/${topicId}/auto-reply`)).autoReply;

/** The decision once a job has settled it. */
async function settled(topicId: number) {
  for (const end = Date.now() + 10_000; ;) {
    const d = await decision(topicId);
    if (d.state !== 'pending') return d;
    if (Date.now() > end) throw new Error(`topic ${topicId} is still pending`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs one of the plugin's jobs through pg-boss, as a worker would, and waits for it to finish. */
async function runJob(queue: 'due' | 'sweep', data: object = {}, jobs = h.core.jobs): Promise<void> {
  const id = await jobs.send(`auto-reply.${queue}`, data, { retryLimit: 0 });
  for (const end = Date.now() + 10_000; ;) {
    const { rows } = await sql<{ state: string }>`select state from pgboss.job where id = ${id}::uuid`.execute(h.core.db);
    if (rows[0]?.state === 'completed') return;
    if (rows[0]?.state === 'failed' || Date.now() > end) throw new Error(`job ${queue} ${rows[0]?.state ?? 'never ran'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('a group whose auto-reply is off sends nothing, and the message says so', async (t) => {
  const mail = await receive({ from: 'Gus <gus@customer.test>', subject: 'Off by default' });
  t.equal(mail.status, 'created', JSON.stringify(mail));
  const d = await decision(mail.topicId!);
  t.equal(d.state, 'skipped');
  t.equal(d.reason, 'disabled');
  t.match(d.summary, /Not sent: auto-replies are off for this group/);
  later(61);
  await runJob('sweep');
  t.same(await acknowledgements({ topicId: mail.topicId! }), [], 'nothing goes out');
});

t.test('settings: admins and the group\'s owners change them, with clear errors; anyone else finds nothing', async (t) => {
  t.equal((await mallory.get('/api/auto-reply/support')).statusCode, 404, 'an outsider learns nothing');
  t.equal((await alice.get('/api/auto-reply/support')).statusCode, 404, 'nor does a member who is not an owner');
  t.equal((await alice.get('/g/support/auto-reply')).statusCode, 404);
  const defaults = await admin.json('/api/auto-reply/support');
  t.same(defaults.settings, { ...defaults.settings, enabled: false, delayMinutes: 60, perAddressPerHour: 3, subject: 'Re: {{subject}}' }, 'off, an hour, 3 an hour by default');
  t.ok(defaults.variables.includes('customer_name'));

  const typo = await admin.put('/api/auto-reply/support', { body: 'Hello {{custmer_name}}' });
  t.equal(typo.statusCode, 400);
  t.match(typo.json().message, /There is no variable \{\{custmer_name\}\}; use \{\{customer_name\}\}/);
  t.equal((await admin.put('/api/auto-reply/support', { delayMinutes: -5 })).statusCode, 400, 'a delay must be 0 or more');
  t.equal((await admin.put('/api/auto-reply/support', { perAddressPerHour: 0 })).statusCode, 400, 'and at least one an hour');

  await h.core.services.groups.setOwner('support', 'bob', true);
  const saved = await bob.put('/api/auto-reply/support', { enabled: true, subject: 'Re: {{subject}} [{{group_name}}]', body: 'Hello {{customer_name}},\n\nwe have your mail "{{subject}}". {{group_name}} will answer soon: {{message_url}}' });
  t.equal(saved.statusCode, 200, saved.body);
  t.equal(saved.json().settings.enabled, true, 'an owner turns it on');

  const groupPage = await (await browser(h, admin.user))('/admin/groups/support');
  t.match(groupPage.body, /href="\/g\/support\/auto-reply" data-auto-reply-link/, 'the admin page of the group links to the settings');
  const page = await (await browser(h, bob.user))('/g/support/auto-reply');
  t.equal(page.statusCode, 200);
  t.match(page.body, /data-auto-reply-settings/);
  t.match(page.body, /name="enabled" value="true" checked/);
  const form = await bob.post('/g/support/auto-reply', { delayMinutes: '60', perAddressPerHour: '3', subject: 'Re: {{subject}}', body: 'Hello {{customer_name}}, {{group_name}} has your mail.' });
  t.equal(form.statusCode, 303, form.body);
  t.equal((await bob.json('/api/auto-reply/support')).settings.enabled, false, 'the form, with the box unticked, turns it off');
  const bad = await bob.post('/g/support/auto-reply', { enabled: 'true', delayMinutes: '60', perAddressPerHour: '3', subject: 'Hi {{nope}}', body: 'x' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /There is no variable \{\{nope\}\}/, 'the form shows the error');
  await bob.put('/api/auto-reply/support', { enabled: true, subject: 'Re: {{subject}}', body: 'Hello {{customer_name}},\n\nwe have your mail "{{subject}}". {{group_name}} will answer soon: {{message_url}}' });
});

t.test('sent once after the delay: threaded under the customer\'s mail, from the group, marked as an auto-reply', async (t) => {
  const mail = await receive({ from: 'Dora Customer <dora@customer.test>', subject: 'Broken toaster', messageId: 'toaster@customer.test' });
  const topicId = mail.topicId!;
  const due = await decision(topicId);
  t.equal(due.state, 'pending');
  t.equal(due.dueAt, new Date(now.getTime() + 60 * 60_000).toISOString(), 'due an hour after it came');
  t.match((await (await browser(h, alice.user))(`/t/x/${topicId}`)).body, /data-auto-reply="pending"[^]*Due at/, 'the team sees it is due');

  const waking = async () => Number((await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'auto-reply.due' and state = 'created' and data->>'topicId' = ${String(topicId)}`.execute(h.core.db)).rows[0]!.n);
  t.equal(await waking(), 1, 'a job waits for the due time');
  later(59);
  await runJob('due', { topicId });
  t.equal((await decision(topicId)).state, 'pending', 'a job that wakes early changes nothing');
  t.equal(await waking(), 2, 'but sets another for later');
  t.same(await acknowledgements({ topicId }), [], 'and sends nothing');

  later(2);
  await runJob('due', { topicId });
  const sent = await acknowledgements({ topicId });
  t.equal(sent.length, 1, 'sent once the delay is up');
  const ack = sent[0]!;
  t.equal(ack.to_address, '"Dora Customer" <dora@customer.test>');
  t.equal(ack.from_address, '"Acme Support" <support@forum.test>', 'under the group\'s identity');
  t.equal(ack.subject, 'Re: Broken toaster');
  t.equal(ack.in_reply_to, 'toaster@customer.test', 'In-Reply-To the customer\'s mail');
  t.same(ack.references_ids, ['toaster@customer.test']);
  t.equal(ack.headers['Auto-Submitted'], 'auto-replied', 'RFC 3834');
  t.match(ack.text_body, /Hello Dora Customer,\n\nwe have your mail "Broken toaster"\. Acme Support will answer soon: http:\/\/forum\.test\/t\/broken-toaster\/\d+/);

  await runJob('due', { topicId });
  await runJob('sweep');
  t.equal((await acknowledgements({ topicId })).length, 1, 'a second run of the job, and the sweep, send nothing more');
  const done = await decision(topicId);
  t.equal(done.state, 'sent');
  t.equal(done.sentAt, now.toISOString());

  t.match((await (await browser(h, alice.user))(`/t/x/${topicId}`)).body, /data-auto-reply="sent"[^]*Sent at 2026-12-01 \d\d:\d\d UTC to dora@customer\.test/, 'the topic page tells the team');
  const customerPage = await (await browser(h, dora.user))(`/t/x/${topicId}`);
  t.equal(customerPage.statusCode, 200);
  t.notMatch(customerPage.body, /data-auto-reply/, 'the customer sees no trace of it');
  t.equal((await dora.get(`/api/t/${topicId}/auto-reply`)).statusCode, 404, 'nor in the API');
  t.equal((await mallory.get(`/api/t/${topicId}/auto-reply`)).statusCode, 404, 'nor does an outsider');
  t.equal((await admin.get(`/api/t/${topicId}/auto-reply`)).statusCode, 200, 'staff do');

  const answer = await receive({ from: 'dora@customer.test', subject: ack.subject, body: 'Thanks, waiting.', headers: { 'In-Reply-To': `<${ack.message_id}>`, References: `<toaster@customer.test> <${ack.message_id}>` } });
  t.same([answer.status, answer.topicId], ['created', topicId], 'the customer\'s answer to the acknowledgement lands in the same message');
  const bare = await receive({ from: 'dora@customer.test', subject: 'Re: something else', body: 'One more thing.', headers: { 'In-Reply-To': `<${ack.message_id}>` } });
  t.same([bare.status, bare.topicId], ['created', topicId], 'so does one that names only the acknowledgement, in In-Reply-To (its Message-ID is recorded)');
});

t.test('not sent when someone answered first, or a member moved it to Spam; a whisper is no answer', async (t) => {
  const answered = (await receive({ from: 'Hal <hal@customer.test>', subject: 'Answered quickly' })).topicId!;
  const spam = (await receive({ from: 'Vic <vic@customer.test>', subject: 'Cheap watches' })).topicId!;
  t.equal((await alice.post('/api/group-inbox/support/bulk', { action: 'spam', topicIds: [spam] })).statusCode, 200);
  const whispered = (await receive({ from: 'Ida <ida@customer.test>', subject: 'Only whispered about' })).topicId!;
  later(10);
  t.equal((await alice.post(`/api/t/${answered}/posts`, { raw: 'We are on it, Hal.' })).statusCode, 201);
  t.equal((await alice.post(`/api/t/${whispered}/posts`, { raw: 'Who knows this customer?', whisper: true })).statusCode, 201);
  later(51);
  await runJob('sweep');
  t.same(await acknowledgements({ topicId: answered }), [], 'staff replied first: nothing sent');
  const d = await decision(answered);
  t.equal(d.reason, 'answered');
  t.match(d.summary, /Not sent: someone answered before the delay was up \(@alice answered at /);
  t.match((await (await browser(h, alice.user))(`/t/x/${answered}`)).body, /data-auto-reply-reason="answered"/);
  t.same([(await decision(spam)).reason, (await decision(spam)).detail], ['spam', 'a member moved it to Spam']);
  t.same(await acknowledgements({ topicId: spam }), []);
  t.equal((await acknowledgements({ topicId: whispered })).length, 1, 'the customer cannot see a whisper: they are still acknowledged');
});

t.test('never to auto-generated mail or bounces, and the message says why', async (t) => {
  const viaList = await receive({ from: '"Erin via Users" <users@lists.example.org>', subject: 'Sent through a list', headers: { 'Reply-To': 'Erin <erin@customer.test>', 'List-Id': '<users.lists.example.org>' } });
  t.equal(viaList.status, 'created', 'a person\'s mail relayed by a list is posted');
  const listDecision = await decision(viaList.topicId!);
  t.same([listDecision.state, listDecision.reason], ['skipped', 'auto_generated']);
  t.match((await (await browser(h, alice.user))(`/t/x/${viaList.topicId}`)).body, /Not sent: the mail was auto-generated \(it carries auto-submitted, list or precedence headers\)/);

  const machine = await receive({ from: 'Shop <no-reply@shop.test>', subject: 'Your order' });
  t.same([machine.status, machine.reason], ['rejected', 'auto_generated'], 'a machine sender makes no message');

  const outOfOffice = await receive({ from: 'Olaf <olaf@customer.test>', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } });
  t.same([outOfOffice.status, outOfOffice.reason], ['rejected', 'auto_generated'], 'an auto-reply makes no message at all');
  const bounce = await h.core.mail.receiver.receive(dsn('support@forum.test', 'gone@customer.test'), { source: 'http', envelopeRecipients: ['support@forum.test'] });
  t.equal(bounce.status, 'bounce', 'nor does a bounce');
  const flagged = await receive({ from: 'Sam <sam@customer.test>', subject: 'Flagged', headers: { 'X-Spam-Flag': 'YES' } });
  t.same([flagged.status, flagged.reason], ['rejected', 'spam']);
  const released = await h.core.mail.receiver.process(flagged.id, { reprocess: true, releaseSpam: true });
  t.equal(released.status, 'created', 'an admin releases it from the spam hold');
  t.same([(await decision(released.topicId!)).state, (await decision(released.topicId!)).reason], ['skipped', 'spam'], 'still no acknowledgement to mail flagged as spam');
  const bounced = await receive({ from: 'gone@customer.test', subject: 'From an address that bounces' });
  t.equal(bounced.status, 'created');

  later(61);
  await runJob('sweep');
  const suppressed = await decision(bounced.topicId!);
  t.same([suppressed.state, suppressed.reason], ['skipped', 'suppressed'], 'nor to an address whose mail bounced');
  t.match(suppressed.summary, /Not sent: mail to that address has stopped \(hard bounce/);
  for (const to of ['sam@', 'gone@', 'erin@', 'no-reply@shop.test', 'olaf@', 'MAILER-DAEMON', 'lists.example.org']) t.same(await acknowledgements({ to }), [], `nothing to ${to}`);
});

t.test('at most so many an hour to one address: the bucket empties and refills (the sweep finds due messages whatever became of their jobs)', async (t) => {
  t.equal((await admin.put('/api/auto-reply/support', { perAddressPerHour: 2 })).statusCode, 200);
  const topics = [];
  for (const subject of ['First', 'Second', 'Third']) topics.push((await receive({ from: 'Flo <FLO@customer.test>', subject })).topicId!);
  later(61);
  await runJob('sweep');
  t.equal((await acknowledgements({ to: 'flo@customer.test' })).length, 2, 'two an hour');
  const states = await Promise.all(topics.map(decision));
  const limited = states.filter((d) => d.state === 'skipped');
  t.equal(limited.length, 1);
  t.equal(limited[0].reason, 'rate_limited');
  t.match(limited[0].summary, /Not sent: the rate limit for that address was reached \(at most 2 an hour to flo@customer\.test\)/);

  // With no delay, the job the new message schedules runs at once, by itself.
  t.equal((await admin.put('/api/auto-reply/support', { delayMinutes: 0 })).statusCode, 200);
  later(30);
  const halfHour = (await receive({ from: 'flo@customer.test', subject: 'Half an hour on' })).topicId!;
  t.equal((await settled(halfHour)).state, 'sent', 'half an hour refills one');
  const soon = (await receive({ from: 'flo@customer.test', subject: 'Right after' })).topicId!;
  t.equal((await settled(soon)).reason, 'rate_limited', 'and only one');
  t.equal((await acknowledgements({ to: 'flo@customer.test' })).length, 3);
  t.equal((await acknowledgements({ to: 'dora@customer.test' })).length, 1, 'another address has its own bucket');
  await admin.put('/api/auto-reply/support', { delayMinutes: 60, perAddressPerHour: 3 });
});

t.test('turned off while a message waits: not sent when it falls due', async (t) => {
  const topicId = (await receive({ from: 'Jan <jan@customer.test>', subject: 'Waiting' })).topicId!;
  t.equal((await decision(topicId)).state, 'pending');
  await admin.put('/api/auto-reply/support', { enabled: false });
  later(61);
  await runJob('due', { topicId });
  const d = await decision(topicId);
  t.same([d.state, d.reason, d.detail], ['skipped', 'disabled', 'turned off after the mail came']);
  t.same(await acknowledgements({ topicId }), []);
});

t.test('two Parley processes on one database, each running the due job at once, send it once', async (t) => {
  const other = await buildApp({ logger: false, database: h.core.database, plugins: [stagedAccounts, groupInbox, whispers, autoReply], config: { dataDir: '/tmp/parley-test-data', baseUrl: 'http://forum.test' } });
  t.teardown(() => other.close());
  other.parley.clock = () => now;
  await admin.put('/api/auto-reply/support', { enabled: true });
  const topicId = (await receive({ from: 'kai@customer.test', subject: 'Racing' })).topicId!;
  // Each run waits in the mailer's transaction, just before the claim, until the other arrives
  // (on PostgreSQL they meet; PGlite's one connection lets only one in at a time).
  const waiting: Array<() => void> = [];
  let together = 0;
  const barrier = async (draft: OutgoingDraft, { kind }: { kind: string }) => {
    if (kind !== 'auto-reply') return draft;
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === 2) { together++; waiting.splice(0).forEach((r) => r()); } else setTimeout(resolve, 1500);
    });
    return draft;
  };
  for (const app of [h.core, other.parley]) t.teardown(app.hooks.onFilter('outgoing-email', barrier, { priority: 5 }));
  later(61);
  await Promise.all([h.core.jobs, other.parley.jobs, h.core.jobs, other.parley.jobs].map((jobs) => runJob('due', { topicId }, jobs)));
  t.comment(`runs that met in the mailer: ${together * 2}`);
  t.equal((await acknowledgements({ topicId })).length, 1, 'one acknowledgement');
  t.equal((await decision(topicId)).state, 'sent');
});

/** A delivery status notification (RFC 3464). */
function dsn(to: string, recipient: string): Buffer {
  return Buffer.from([
    'From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)', `To: ${to}`, 'Subject: Undelivered Mail Returned to Sender',
    'Date: Sun, 22 Nov 2026 11:00:00 +0000', `Message-ID: <dsn-${Math.random().toString(36).slice(2)}@mx.customer.test>`, 'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"', '',
    '--B1', 'Content-Type: text/plain; charset=us-ascii', '', `<${recipient}>: host mx.customer.test said: 550 5.1.1 User unknown`, '',
    '--B1', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.customer.test', '',
    `Final-Recipient: rfc822; ${recipient}`, 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 User unknown', '', '--B1--', '',
  ].join('\r\n'));
}
