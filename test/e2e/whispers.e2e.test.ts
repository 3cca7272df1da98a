// Whispers in a real browser: a member whispers beside a customer's message; the customer's mail
// and a second customer's open browser show no trace of it, while the public answer reaches both.
import t from 'tap';
import groupInbox from '../../plugins/group-inbox/index.ts';
import stagedAccounts from '../../plugins/staged-accounts/index.ts';
import whispers from '../../plugins/whispers/index.ts';
import { launchBrowser, logIn, person } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';
import { rawMail } from '../helpers/mail.ts';
import { smtpSink } from '../integration/mail/send-smtp.ts';

t.test('in a real browser: a member whispers, and no customer sees a trace of it', async (t) => {
  const sink = await smtpSink();
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers], config: { smtpUrl: sink.url, baseUrl: 'http://forum.test' } });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); await sink.close(); });
  const admin = await h.user('admin', { admin: true });
  await h.user('alice', { name: 'Alice Agent' });
  await h.user('dora', { email: 'dora@customer.test', name: 'Dora' });
  await h.core.services.groups.create({ name: 'support', full_name: 'Acme Support' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice']);
  await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] });
  const first = await h.core.mail.receiver.receive(rawMail({
    from: 'Carol <carol@customer.test>', to: 'support@forum.test', subject: 'Refund for order 77', messageId: 'order-77@customer.test',
    body: 'Please refund order 77.', headers: { Cc: 'Dora <dora@customer.test>' },
  }), { source: 'http', envelopeRecipients: ['support@forum.test'] });
  const topicUrl = `${base}/t/refund-for-order-77/${first.topicId}`;

  const dora = await person(browser);
  await logIn(dora.page, base, 'dora');
  await dora.page.goto(topicUrl);
  t.notOk(await dora.page.isVisible('[data-whisper-toggle]'), 'a customer has no whisper toggle');
  const alice = await person(browser);
  await logIn(alice.page, base, 'alice');
  await alice.page.goto(topicUrl);
  await alice.page.waitForTimeout(300); // both websockets are open

  await alice.page.fill('textarea[name=raw]', 'Internal: order 77 was paid with a stolen card, do not refund.');
  await alice.page.check('[data-whisper-toggle]');
  await alice.page.click('button:has-text("Reply")');
  await alice.page.waitForSelector('#post-2.whisper >> text=stolen card');
  t.pass('the whisper shows for the member, marked as one');

  await alice.page.fill('textarea[name=raw]', 'Dear Carol, we are looking into order 77 and will write again tomorrow.');
  await alice.page.click('button:has-text("Reply")');
  await alice.page.waitForSelector('#post-3 >> text=looking into order 77');
  t.notOk(await alice.page.isVisible('#post-3.whisper'), 'the next reply is public again (the toggle is off)');

  await dora.page.waitForSelector('#post-3 >> text=looking into order 77', { timeout: 3000 });
  t.pass('the second customer sees the public answer live');
  t.notOk(await dora.page.isVisible('text=stolen card'), 'and nothing of the whisper');
  await dora.page.reload();
  await dora.page.waitForSelector('#post-3');
  t.equal(await dora.page.locator('text=stolen card').count(), 0, 'not after a reload either');
  t.equal(await dora.page.locator('.post.whisper').count(), 0);

  for (const address of ['carol@customer.test', 'dora@customer.test']) {
    for (const end = Date.now() + 15_000; !sink.delivered.some((d) => d.rcptTo.includes(address) && /looking into order 77/.test(d.mail.text ?? '')); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > end) throw new Error(`no answer mailed to ${address}`);
    }
  }
  await new Promise((r) => setTimeout(r, 500));
  const toCustomers = sink.delivered.filter((d) => d.rcptTo.some((r) => r.endsWith('@customer.test')));
  t.ok(toCustomers.length >= 2, 'both customers got the answer by mail');
  t.notOk(toCustomers.some((d) => /stolen card/.test(`${d.mail.text}${d.mail.html || ''}`)), 'no mail to a customer mentions the whisper, quoted history included');
});
