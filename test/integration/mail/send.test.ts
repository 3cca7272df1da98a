import t from 'tap';
import { testApp } from '../../helpers/app.ts';
import { mailDelivery, rawMail } from '../../helpers/mail.ts';
import { header, smtpSink } from './send-smtp.ts';

const strip = (id: string) => id.replace(/^<|>$/g, '');
const refs = (value: string | string[] | undefined) => [value ?? []].flat().flatMap((v) => v.split(/\s+/)).filter(Boolean).map(strip);

t.test('notification mail threads under the customer’s own mail, and answering it posts in the same topic', async (t) => {
  const sink = await smtpSink();
  t.teardown(() => sink.close());
  const h = await testApp({ config: { smtpUrl: sink.url, baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const bob = await h.user('bob', { name: 'Bob Helper' });
  await h.user('carol', { email: 'carol@customer.test', name: 'Carol Customer' });
  await h.user('dave', { email: 'dave@staff.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
  const deliver = await mailDelivery(h, admin.user!.id);

  const first = (await deliver(rawMail({ messageId: 'first@customer.test' }))).json();
  t.equal(first.status, 'created');
  const topicId: number = first.topicId;

  const answer = await bob.post(`/api/t/${topicId}/posts`, { raw: 'Unplug it, **then** call @dave.', replyToPostNumber: 1 });
  t.equal(answer.statusCode, 201);
  const answerPost = answer.json().post;
  const [a, b] = await sink.waitFor(2);
  const byRcpt = (address: string) => [a!, b!].find((d) => d.rcptTo.includes(address))!;
  const toCarol = byRcpt('carol@customer.test');
  const toDave = byRcpt('dave@staff.test');
  t.ok(toCarol && toDave, 'carol (replied to) and dave (mentioned) both get the post by mail');

  const messageId = strip(toCarol.mail.messageId!);
  t.equal(messageId, `topic/${topicId}/${answerPost.id}@forum.test`, 'a stable Message-ID per post');
  t.equal(strip(toDave.mail.messageId!), messageId, 'the same Message-ID for every recipient of the post');
  t.equal(strip(toCarol.mail.inReplyTo!), 'first@customer.test', 'In-Reply-To is the customer’s own Message-ID');
  t.same(refs(toCarol.mail.references), ['first@customer.test']);
  t.equal(toCarol.mail.subject, `Re: My printer is on fire [Topic#${topicId}]`);
  t.match(toCarol.mail.text, /Unplug it, \*\*then\*\* call @dave\./, 'the text part is the raw markdown');
  t.match(String(toCarol.mail.html), /<strong>then<\/strong>/, 'the HTML part is the cooked post');
  t.match(String(toCarol.mail.html), /href="http:\/\/forum\.test\/u\/dave"/, 'links in the post are absolute');
  t.match(toCarol.mail.text, new RegExp(`http://forum\\.test/t/my-printer-is-on-fire/${topicId}#post-2`));
  t.match(toCarol.mail.text, /Reply to this email/);
  t.equal(header(toCarol.mail, 'auto-submitted'), 'auto-generated');
  t.equal(header(toCarol.mail, 'x-auto-response-suppress'), 'OOF, AutoReply');
  t.equal(header(toCarol.mail, 'list-id'), '"Help" <help.forum.test>', 'List-Id: the category');
  t.equal(header(toCarol.mail, 'list-unsubscribe'), '<http://forum.test/u/carol/preferences>');
  t.equal(header(toCarol.mail, 'list-archive'), `<http://forum.test/t/my-printer-is-on-fire/${topicId}>`);
  t.match(toCarol.mail.from!.text, /noreply@forum\.test/);

  const replyTo = toCarol.mail.replyTo!.value[0]!.address!;
  t.match(replyTo, /^reply\+[0-9a-f]{32}@forum\.test$/, 'Reply-To carries carol’s reply key');
  t.not(toDave.mail.replyTo!.value[0]!.address, replyTo, 'each reader has their own reply key');
  t.equal(header(toCarol.mail, 'list-post'), `<mailto:${replyTo}>`);
  const outgoing = await h.core.db.selectFrom('outgoing_emails').selectAll().where('to_address', 'like', '%carol@customer.test%').executeTakeFirstOrThrow();
  t.equal(toCarol.mailFrom, outgoing.return_path, 'envelope MAIL FROM is the message’s VERP bounce address');
  t.match(toCarol.mailFrom, /^bounce\+[0-9a-f]{24}@forum\.test$/);
  // The SMTP server has the message a moment before the sender records it as sent.
  const statusOf = async () => (await h.core.db.selectFrom('outgoing_emails').select('status').where('id', '=', outgoing.id).executeTakeFirstOrThrow()).status;
  for (const end = Date.now() + 5000; await statusOf() !== 'sent' && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  t.equal(await statusOf(), 'sent', 'the outbox records it as sent');

  const byCarol = (await deliver(rawMail({
    from: 'Carol Customer <carol@customer.test>', to: replyTo, subject: toCarol.mail.subject, messageId: 'third@customer.test',
    headers: { 'In-Reply-To': `<${messageId}>` }, body: 'Unplugged. Thank you!',
  }), [replyTo])).json();
  t.equal(byCarol.status, 'created', JSON.stringify(byCarol));
  t.equal(byCarol.topicId, topicId, 'the answer by mail lands in the same topic');
  const carolsPost = await h.core.db.selectFrom('posts').selectAll().where('id', '=', byCarol.postId).executeTakeFirstOrThrow();
  t.equal(carolsPost.reply_to_post_number, 2, 'as a reply to the post she was mailed');

  const [, , toBob] = await sink.waitFor(3);
  t.ok(toBob!.rcptTo.includes('bob@example.com'), 'bob hears of the reply to his post by mail');
  t.equal(strip(toBob!.mail.inReplyTo!), messageId, 'In-Reply-To: the post answered');
  t.same(refs(toBob!.mail.references), ['first@customer.test', messageId], 'References: the first post, then the parent');

  const intruder = (await deliver(rawMail({ from: 'dave@staff.test', to: replyTo, subject: 'Re: hi', messageId: 'intrude@staff.test', body: 'Not my key.' }), [replyTo])).json();
  t.equal(intruder.status, 'rejected');
  t.equal(intruder.reason, 'reply_key_mismatch', 'a reply key only works for its owner');
});

t.test('a refusing SMTP server: retries, then failed with the error shown; retry sends it again', async (t) => {
  const sink = await smtpSink();
  t.teardown(() => sink.close());
  sink.refuseWith = { code: 451, message: 'Greylisted, try again later' };
  const h = await testApp({ config: { smtpUrl: sink.url, baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  await h.user('bob');
  const sent = await alice.post('/api/messages', { title: 'Can you look at this', raw: 'Hello bob, a question.', usernames: ['bob'] });
  t.equal(sent.statusCode, 201);
  const row = await h.core.db.selectFrom('outgoing_emails').selectAll().where('kind', '=', 'notification').executeTakeFirstOrThrow();

  const status = async () => h.core.db.selectFrom('outgoing_emails').select(['status', 'attempts', 'error']).where('id', '=', row.id).executeTakeFirstOrThrow();
  // The worker as pg-boss would run it, without waiting out the back-off (pg-boss may run an attempt too).
  for (let i = 0; i < 100 && (await status()).status === 'queued'; i++) {
    await h.core.mail.mailer.send(row.id).catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
  }
  const failed = await status();
  t.equal(failed.status, 'failed', 'gives up after the retries');
  t.equal(failed.attempts, 4, 'the first try and three retries');
  t.match(failed.error, /451|Greylisted/);
  t.equal(sink.delivered.length, 0);

  const list = await admin.get('/admin/email/sent?status=failed');
  t.equal(list.statusCode, 200);
  t.match(list.body, /Can you look at this/);
  t.match(list.body, /Greylisted/, 'the error shows in the list');
  t.notMatch(list.body, /No SMTP transport is configured/);
  const detail = await admin.get(`/admin/email/sent/${row.id}`);
  t.match(detail.body, /Greylisted/);
  t.match(detail.body, /action="\/admin\/email\/sent\/\d+\/retry"/, 'failed mail has a retry button');

  sink.refuseWith = null;
  const retried = await admin.post(`/admin/email/sent/${row.id}/retry`, {});
  t.equal(retried.statusCode, 303, retried.body);
  await h.core.mail.mailer.send(row.id).catch(() => {});
  await sink.waitFor(1);
  for (const end = Date.now() + 5000; (await status()).status !== 'sent' && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  t.equal((await status()).status, 'sent');
  t.ok(sink.delivered[0]!.rcptTo.includes('bob@example.com'));
});

t.test('with no SMTP_URL, mail waits in the outbox and the admin can read it', async (t) => {
  const h = await testApp({ config: { smtpUrl: null, baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  await h.user('bob');
  const eve = await h.user('eve');
  await h.core.db.updateTable('user_options').set({ email_messages: false }).where('user_id', '=', eve.user!.id).execute();
  const sent = await admin.post('/api/messages', { title: 'Outbox <check>', raw: 'Hello @bob, see <script>alert(1)</script> this.', usernames: ['bob', 'eve'] });
  t.equal(sent.statusCode, 201);
  const rows = await h.core.db.selectFrom('outgoing_emails').selectAll().where('kind', '=', 'notification').execute();
  t.same(rows.map((r) => r.to_address), ['"bob" <bob@example.com>'], 'eve turned off message emails, so only bob gets one');
  const row = rows[0]!;
  t.equal(row.status, 'outbox');
  t.equal((await eve.json('/api/notifications')).notifications.length, 1, 'eve still gets the web notification');

  const list = await admin.get('/admin/email/sent');
  t.equal(list.statusCode, 200);
  t.match(list.body, /No SMTP transport is configured \(SMTP_URL\); outgoing mail is kept here in the outbox/);
  t.match(list.body, /Outbox &lt;check&gt;/);
  t.match(list.body, /bob@example\.com/);
  const outboxOnly = await admin.get('/admin/email/sent?status=outbox');
  t.match(outboxOnly.body, new RegExp(`/admin/email/sent/${row.id}"`));
  const noneSent = await admin.get('/admin/email/sent?status=sent');
  t.notMatch(noneSent.body, new RegExp(`/admin/email/sent/${row.id}"`), 'the status filter applies');

  const detail = await admin.get(`/admin/email/sent/${row.id}`);
  t.equal(detail.statusCode, 200);
  t.match(detail.body, new RegExp(`topic/${row.topic_id}/${row.post_id}@forum\\.test`), 'Message-ID shown');
  t.match(detail.body, /reply\+[0-9a-f]{32}@forum\.test/, 'Reply-To shown');
  t.match(detail.body, /bounce\+[0-9a-f]{24}@forum\.test/, 'Return-Path shown');
  t.match(detail.body, /Auto-Submitted/);
  t.match(detail.body, /<iframe[^>]*sandbox=""[^>]*srcdoc="/, 'the HTML part renders in a sandbox');
  t.notMatch(detail.body, /<script>alert/, 'nothing from the mail runs on the admin page');
  t.notMatch(detail.body, /retry"/, 'only failed mail can be retried');

  t.equal((await eve.get('/admin/email/sent')).statusCode, 404, 'not for non-admins');
});
