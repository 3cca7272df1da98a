// The whole support story with real servers: a customer's mail over SMTP into Parley's receiver,
// live in two members' browsers, answered from the browser, the answer mailed over SMTP to the
// customer's capture, their reply threading back trimmed, and the customer claiming the account.
import nodemailer from 'nodemailer';
import t from 'tap';
import { SmtpReceiver } from '../../core/mail/receive/smtp-receiver.ts';
import { launchBrowser, logIn, person } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';
import { smtpSink, type Delivered } from '../integration/mail/send-smtp.ts';
import stagedAccounts from '../../plugins/staged-accounts/index.ts';
import groupInbox from '../../plugins/group-inbox/index.ts';

const strip = (id: string | undefined) => (id ?? '').replace(/^<|>$/g, '');

t.test('a support inbox in a real browser, with mail in and out over SMTP', async (t) => {
  const customerMailbox = await smtpSink();
  const h = await testApp({ plugins: [stagedAccounts, groupInbox], config: { smtpUrl: customerMailbox.url, baseUrl: 'http://forum.test' } });
  const receiver = new SmtpReceiver({ receiver: h.core.mail.receiver, ownDomain: async () => 'forum.test', log: h.core.log }, {
    host: '127.0.0.1', port: 0, domains: ['forum.test'], maxEmailBytes: 10_000_000, hostname: 'mx.forum.test',
  });
  const mxPort = await receiver.listen();
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await receiver.close(); await h.close(); await customerMailbox.close(); });
  const customerSmtp = nodemailer.createTransport({ host: '127.0.0.1', port: mxPort, secure: false, ignoreTLS: true });
  const local = (url: string) => `${base}${new URL(url).pathname}${new URL(url).search}`;
  const mailTo = (address: string, after = 0) => async (): Promise<Delivered> => {
    for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      const found = customerMailbox.delivered.slice(after).find((d) => d.rcptTo.includes(address));
      if (found) return found;
    }
    throw new Error(`no mail to ${address}`);
  };

  const admin = await h.user('admin', { admin: true });
  await h.user('alice', { name: 'Alice Agent' });
  await h.user('bob', { name: 'Bob Agent' });
  await h.core.services.groups.create({ name: 'support', full_name: 'Acme Support' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice', 'bob']);
  t.equal((await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'], fromName: 'Acme Support' })).statusCode, 200);

  // Two members have the inbox open.
  const alice = await person(browser);
  const bob = await person(browser);
  await logIn(alice.page, base, 'alice');
  await logIn(bob.page, base, 'bob');
  for (const p of [alice.page, bob.page]) {
    await p.goto(`${base}/g/support/messages`);
    await p.waitForSelector('text=The inbox is empty');
  }
  await alice.page.waitForTimeout(300); // the websockets are open

  // 1. The customer writes to support@ over SMTP.
  const sent = await customerSmtp.sendMail({
    from: 'Carol Customer <carol@customer.test>', to: 'support@forum.test', subject: 'Invoice 1234 is wrong',
    text: 'Hello, invoice 1234 charges me twice. Can you fix it?\n\nCarol', messageId: '<invoice-1234@customer.test>',
  });
  t.match(sent.response, /^250/, 'Parley\'s SMTP receiver takes the mail');

  // 2. It appears in both members' inboxes, live, unread.
  const row = '[data-topic-list] .topic-row:has-text("Invoice 1234 is wrong")';
  await alice.page.waitForSelector(row, { timeout: 5000 });
  await bob.page.waitForSelector(`${row} .badge.new`, { timeout: 5000 });
  t.pass('the message appears live in both members\' inboxes, new to each');
  t.equal(await bob.page.textContent('[data-count="new"]'), '1', 'bob\'s New count');

  // 3. Alice answers from the browser; the customer's mail capture gets it, threaded.
  await alice.page.click(`${row} a.title`);
  await alice.page.waitForSelector('h1:has-text("Invoice 1234 is wrong")');
  const before = customerMailbox.delivered.length;
  await alice.page.fill('textarea[name=raw]', 'Sorry Carol, you were charged twice: the refund is on its way.');
  await alice.page.click('button:has-text("Reply")');
  await alice.page.waitForSelector('#post-2');
  const answer = await mailTo('carol@customer.test', before)();
  t.equal(answer.mail.from?.value[0]?.address, 'support@forum.test', 'From the group');
  t.equal(answer.mail.from?.value[0]?.name, 'Acme Support');
  t.equal(strip(answer.mail.inReplyTo), 'invoice-1234@customer.test', 'In-Reply-To the customer\'s mail');
  t.match(String(answer.mail.references), /invoice-1234@customer\.test/, 'References it too');
  const replyTo = answer.mail.replyTo?.value[0]?.address ?? '';
  t.match(replyTo, /^reply\+[0-9a-f]{32}@forum\.test$/, 'Reply-To with the customer\'s reply key');
  t.match(answer.mail.text ?? '', /refund is on its way/);

  // 4. The customer answers that mail, quoting it, and it threads into the same message, trimmed.
  const quoted = (answer.mail.text ?? '').split('\n').map((l) => `> ${l}`).join('\n');
  await customerSmtp.sendMail({
    from: 'Carol Customer <carol@customer.test>', to: replyTo, subject: `Re: ${answer.mail.subject}`,
    inReplyTo: answer.mail.messageId, references: [`<invoice-1234@customer.test>`, answer.mail.messageId!],
    text: `Great, thank you!\n\nOn ${new Date().toUTCString()}, Acme Support <support@forum.test> wrote:\n${quoted}\n`,
  });
  await alice.page.waitForSelector('#post-3 >> text=Great, thank you!', { timeout: 5000 });
  t.notOk(await alice.page.isVisible('#post-3 >> text=refund is on its way'), 'the quoted history is trimmed away');
  t.pass('the customer\'s reply threads into the same message, live');

  // 5. The customer follows the link in the mail, signs up with that address, and claims the account.
  const signupLink = /(http:\/\/forum\.test\/signup\?[^\s>)]+)/.exec(answer.mail.text ?? '')?.[1];
  t.ok(signupLink, 'the mail\'s link leads a staged customer to signup');
  const carol = await person(browser);
  await carol.page.goto(local(signupLink!));
  t.equal(await carol.page.inputValue('input[name=email]'), 'carol@customer.test', 'pre-filled with their address');
  await carol.page.fill('input[name=username]', 'carol');
  await carol.page.fill('input[name=password]', 'my own long password');
  const mark = customerMailbox.delivered.length;
  await carol.page.click('button[type=submit]');
  await carol.page.waitForSelector('[data-signup-pending]');
  const confirmation = await mailTo('carol@customer.test', mark)();
  const claimLink = /(http:\/\/forum\.test\/claim\/[A-Za-z0-9_-]+)/.exec(confirmation.mail.text ?? '')![1]!;
  await carol.page.goto(local(claimLink));
  await carol.page.click('[data-claim]');
  await carol.page.waitForSelector('h1:has-text("Invoice 1234 is wrong")');
  t.ok(await carol.page.isVisible('#post-1 >> text=charges me twice'), 'the claimed account sees its first mail');
  t.ok(await carol.page.isVisible('#post-2 >> text=refund is on its way'), 'the answer');
  t.ok(await carol.page.isVisible('#post-3 >> text=Great, thank you!'), 'and its own reply');
  await carol.page.goto(`${base}/u/carol/messages`);
  await carol.page.waitForSelector('.topic-row:has-text("Invoice 1234 is wrong")');
  t.pass('the whole conversation is in their messages');
});
