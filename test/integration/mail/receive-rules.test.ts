import t, { type Test } from 'tap';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { mailDelivery, rawMail } from '../../helpers/mail.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2266cbb0000000049454e44ae426082', 'hex');

function multipart(parts: Array<{ type: string; body: string; headers?: string }>, extra = ''): Buffer {
  const b = 'BOUNDARY42';
  const head = [
    'From: Carol Customer <carol@customer.test>', 'To: help@forum.test', 'Subject: With files', `Message-ID: <${Math.random().toString(36).slice(2)}@customer.test>`,
    'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${b}"`, extra,
  ].filter(Boolean).join('\r\n');
  const body = parts.map((p) => `--${b}\r\nContent-Type: ${p.type}\r\n${p.headers ?? ''}\r\n${p.body}\r\n`).join('');
  return Buffer.from(`${head}\r\n\r\n${body}--${b}--\r\n`);
}

async function setup(t: Test): Promise<{ h: TestApp; deliver: Awaited<ReturnType<typeof mailDelivery>>; categoryId: number }> {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
  return { h, deliver: await mailDelivery(h, admin.user!.id), categoryId: category.id };
}

const post = (h: TestApp, id: number) => h.core.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

t.test('attachments become uploads; a refused one is noted in the post', async (t) => {
  const { h, deliver } = await setup(t);
  const out = (await deliver(multipart([
    { type: 'text/plain; charset=utf-8', body: 'Screenshot and the log attached.' },
    { type: 'image/png; name="screen.png"', headers: 'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="screen.png"\r\n', body: PNG.toString('base64') },
    { type: 'application/x-msdownload; name="setup.exe"', headers: 'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="setup.exe"\r\n', body: Buffer.from('MZ\x90\x00 not really').toString('base64') },
  ]))).json();
  t.equal(out.status, 'created', JSON.stringify(out));
  const p = await post(h, out.postId);
  t.match(p.raw, /Screenshot and the log attached\./);
  t.match(p.raw, /!\[screen\.png\]\(\/uploads\/[0-9a-f]{64}\)/);
  t.match(p.raw, /An attachment was removed: setup\.exe/);
  const linked = await h.core.db.selectFrom('post_uploads').select('upload_id').where('post_id', '=', out.postId).execute();
  t.equal(linked.length, 1);
});

t.test('HTML-only mail becomes Markdown with nothing unsafe', async (t) => {
  const { h, deliver } = await setup(t);
  const raw = rawMail({ headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<p>Hello <b>team</b>,</p><p>see <a href="https://example.com/x">this</a></p><script>alert(1)</script><img src=x onerror=alert(2)>' });
  const out = (await deliver(raw)).json();
  t.equal(out.status, 'created');
  const p = await post(h, out.postId);
  t.match(p.raw, /Hello \*\*team\*\*/);
  t.notMatch(p.cooked, /<script|onerror/);
});

t.test('a list that rewrote From (DMARC) posts as the real author', async (t) => {
  const { h, deliver } = await setup(t);
  const out = (await deliver(rawMail({ from: '"Carol Customer via Users" <users@lists.example.org>', headers: { 'Reply-To': 'Carol Customer <carol@customer.test>', 'List-Id': '<users.lists.example.org>' } }))).json();
  t.equal(out.status, 'created', JSON.stringify(out));
  const p = await post(h, out.postId);
  const carol = await h.core.db.selectFrom('users').select('id').where('username', '=', 'carol').executeTakeFirstOrThrow();
  t.equal(p.user_id, carol.id);
});

t.test('the subject token threads a reply that lost every other marker', async (t) => {
  const { h, deliver } = await setup(t);
  const first = (await deliver(rawMail({}))).json();
  const reply = (await deliver(rawMail({ subject: `Re: My printer is on fire [Topic#${first.topicId}]`, body: 'Any news?' }))).json();
  t.equal(reply.status, 'created');
  t.equal(reply.topicId, first.topicId);
  const row = await h.core.db.selectFrom('incoming_emails').select('trace').where('id', '=', reply.id).executeTakeFirstOrThrow();
  t.ok(row.trace.some((s) => /subject-token/.test(s.decision)));
  const topic = await h.core.db.selectFrom('topics').select('title').where('id', '=', first.topicId).executeTakeFirstOrThrow();
  t.equal(topic.title, 'My printer is on fire');
});

t.test('a reply into a closed topic is refused with a reason; a mail loop and an empty reply too', async (t) => {
  const { h, deliver } = await setup(t);
  const first = (await deliver(rawMail({ messageId: 'loop-a@customer.test' }))).json();
  await h.core.db.updateTable('topics').set({ closed: true }).where('id', '=', first.topicId).execute();
  const closed = (await deliver(rawMail({ headers: { 'In-Reply-To': '<loop-a@customer.test>' }, body: 'Hello?' }))).json();
  t.equal(closed.reason, 'topic_closed');
  const own = (await deliver(rawMail({ from: 'noreply@127.0.0.1' }))).json();
  t.equal(own.reason, 'own_address');
  await h.core.db.updateTable('topics').set({ closed: false }).where('id', '=', first.topicId).execute();
  const empty = (await deliver(rawMail({ headers: { 'In-Reply-To': '<loop-a@customer.test>' }, body: '\n\nOn Sun, 22 Nov 2026, Help <help@forum.test> wrote:\n> old text\n' }))).json();
  t.equal(empty.reason, 'empty_body');
  const notices = await h.core.db.selectFrom('outgoing_emails').select(['to_address', 'text_body']).where('kind', '=', 'rejection').execute();
  t.ok(notices.some((n) => /closed/.test(n.text_body)), 'the closed-topic notice explains');
  t.notOk(notices.some((n) => n.to_address.includes('noreply@')), 'Parley never answers itself');
});

t.test('a DSN bounce is recorded against the failed address and never answered', async (t) => {
  const { h, deliver } = await setup(t);
  const dsn = Buffer.from([
    'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>', 'To: bounce+0123456789abcdef01234567@127.0.0.1', 'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <dsn1@mx.customer.test>', 'Auto-Submitted: auto-replied', 'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="R"', '',
    '--R', 'Content-Type: text/plain', '', 'I could not deliver your message.', '',
    '--R', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.customer.test', '', 'Final-Recipient: rfc822; gone@customer.test', 'Action: failed', 'Status: 5.1.1', '',
    '--R--', '',
  ].join('\r\n'));
  const out = (await deliver(dsn)).json();
  t.equal(out.status, 'bounce', JSON.stringify(out));
  const state = await h.core.db.selectFrom('email_address_states').selectAll().where('address_lower', '=', 'gone@customer.test').executeTakeFirstOrThrow();
  t.equal(state.hard_bounces, 1);
  t.ok(state.suppressed_at, 'a hard bounce stops mail to the address at once');
  t.equal((await h.core.db.selectFrom('outgoing_emails').select('id').execute()).length, 0);
});
