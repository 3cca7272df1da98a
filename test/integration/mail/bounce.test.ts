import t from 'tap';
import { browser, testApp } from '../../helpers/app.ts';
import { mailDelivery } from '../../helpers/mail.ts';
import { smtpSink } from './send-smtp.ts';

/** A delivery status notification (RFC 3464) as a receiving MTA sends it back to the return path. */
function dsn(to: string, recipient: string, status: string): Buffer {
  return Buffer.from([
    'From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Date: Sun, 22 Nov 2026 11:00:00 +0000',
    `Message-ID: <dsn-${Math.random().toString(36).slice(2)}@mx.customer.test>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"',
    '',
    '--B1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `<${recipient}>: host mx.customer.test said: 550 ${status} User unknown`,
    '',
    '--B1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.test',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    `Status: ${status}`,
    'Diagnostic-Code: smtp; 550 User unknown',
    '',
    '--B1--',
    '',
  ].join('\r\n'));
}

t.test('a hard bounce to the VERP address stops mail to it, shows where people look, and "Resume mail" lets it flow', async (t) => {
  const sink = await smtpSink();
  t.teardown(() => sink.close());
  const h = await testApp({ config: { smtpUrl: sink.url, baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const carol = await h.user('carol', { email: 'Carol@Customer.test' });
  await h.user('bob');
  const deliver = await mailDelivery(h, admin.user!.id);
  const message = async (title: string, usernames: string[]) => {
    const res = await alice.post('/api/messages', { title, raw: `About ${title}.`, usernames });
    t.equal(res.statusCode, 201);
  };

  await message('First question', ['carol']);
  const [first] = await sink.waitFor(1);
  t.match(first!.mailFrom, /^bounce\+[0-9a-f]+@forum\.test$/, 'sent with a VERP return path');

  const bounced = (await deliver(dsn(first!.mailFrom, 'carol@customer.test', '5.1.1'), [first!.mailFrom])).json();
  t.equal(bounced.status, 'bounce', JSON.stringify(bounced));
  t.equal(bounced.reason, 'hard_bounce');
  const state = await h.core.db.selectFrom('email_address_states').selectAll().where('address_lower', '=', 'carol@customer.test').executeTakeFirstOrThrow();
  t.ok(state.suppressed_at, 'a hard bounce stops mail to the address at once');
  t.equal(state.hard_bounces, 1);

  await message('Second question', ['carol', 'bob']);
  const [, toBob] = await sink.waitFor(2);
  t.ok(toBob!.rcptTo.includes('bob@example.com'), 'others still get their mail');
  const toCarol = await h.core.db.selectFrom('outgoing_emails').selectAll().where('subject', 'like', 'Second question%').where('to_address', 'ilike', '%carol%').executeTakeFirstOrThrow();
  t.equal(toCarol.status, 'suppressed', 'mail to the stopped address is recorded as suppressed');
  t.match(toCarol.error, /hard bounce/);
  t.notOk(sink.delivered.some((d) => d.rcptTo.some((r) => /carol/i.test(r)) && /Second/.test(d.mail.subject ?? '')), 'and never sent');

  const page = await admin.get(`/admin/users/${carol.user!.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Mail has stopped/);
  t.match(page.body, /Carol@Customer\.test/);
  t.match(page.body, /hard bounce \(5\.1\.1\)/);
  t.match(page.body, /1 hard bounce, 0 soft bounces/);
  t.match(page.body, /action="\/admin\/users\/\d+\/resume-mail"[\s\S]*?name="_csrf"[\s\S]*?Resume mail/, 'a Resume mail button, posted with the CSRF token');

  const own = await (await browser(h, carol.user))(`/u/carol/preferences`);
  t.match(own.body, /We stopped emailing <strong>Carol@Customer\.test<\/strong> because mail to it bounced \(hard bounce \(5\.1\.1\)\)/);

  const notHers = await admin.post(`/admin/users/${carol.user!.id}/resume-mail`, { address: 'bob@example.com' });
  t.equal(notHers.statusCode, 400, 'only a stopped address of this person can be resumed');
  const resumed = await admin.post(`/admin/users/${carol.user!.id}/resume-mail`, { address: 'Carol@Customer.test' });
  t.equal(resumed.statusCode, 303);
  t.notMatch((await admin.get(`/admin/users/${carol.user!.id}`)).body, /Mail has stopped/);
  t.notMatch((await (await browser(h, carol.user))('/u/carol/preferences')).body, /We stopped emailing/);

  await message('Third question', ['carol']);
  const [, , third] = await sink.waitFor(3);
  t.same(third!.rcptTo.map((r) => r.toLowerCase()), ['carol@customer.test'], 'mail flows again after "Resume mail"');
  t.match(third!.mail.subject, /Third question/);
});

t.test('soft bounces stop mail only after the limit', async (t) => {
  const sink = await smtpSink();
  t.teardown(() => sink.close());
  const h = await testApp({ config: { smtpUrl: sink.url, baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  await h.user('carol', { email: 'carol@customer.test' });
  const deliver = await mailDelivery(h, admin.user!.id);
  for (let i = 1; i <= 3; i++) {
    t.equal((await alice.post('/api/messages', { title: `Question ${i}`, raw: 'Hello there.', usernames: ['carol'] })).statusCode, 201);
    const sent = await sink.waitFor(i);
    const outcome = (await deliver(dsn(sent[i - 1]!.mailFrom, 'carol@customer.test', '4.2.2'), [sent[i - 1]!.mailFrom])).json();
    t.equal(outcome.reason, 'soft_bounce');
    const state = await h.core.db.selectFrom('email_address_states').selectAll().where('address_lower', '=', 'carol@customer.test').executeTakeFirstOrThrow();
    t.equal(state.suppressed_at !== null, i === 3, i === 3 ? 'the third soft bounce stops mail' : `${i} soft bounce(s) do not`);
  }
});
