// Collision control in a real browser: while alice drafts an answer, bob sees "alice is replying";
// the customer writes again, and alice's send is held back with a warning, her draft kept; sending
// anyway posts it. Then bob takes the message during her next draft, and that send is held too.
import t from 'tap';
import assign from '../../plugins/assign/index.ts';
import groupInbox from '../../plugins/group-inbox/index.ts';
import stagedAccounts from '../../plugins/staged-accounts/index.ts';
import whispers from '../../plugins/whispers/index.ts';
import { launchBrowser, logIn, person } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';
import { supportDesk } from '../helpers/support-desk.ts';

t.test('in a real browser: the send-time warning when the customer wrote, or a colleague took the message, during the draft', async (t) => {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers, assign] });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  const { mail } = await supportDesk(h, { stagedCustomer: true });
  const topicId = await mail('Broken zipper', { messageId: 'zip-1@customer.test' });

  const a = await person(browser);
  const b = await person(browser);
  await logIn(a.page, base, 'alice');
  await logIn(b.page, base, 'bob');
  await a.page.goto(`${base}/t/broken-zipper/${topicId}`);
  await b.page.goto(`${base}/t/broken-zipper/${topicId}`);
  await Promise.all([a.page, b.page].map((p) => p.waitForTimeout(300))); // websockets open

  await a.page.fill('[data-composer-input]', 'Hello Carol, send the jacket back and we replace the zipper.');
  await a.page.type('[data-composer-input]', ' Free of charge.');
  await b.page.waitForSelector('[data-presence]:has-text("alice is replying")');
  t.pass('bob sees "alice is replying…" while she types');

  // The customer writes again while alice's draft is open.
  const again = await mail('Re: Broken zipper', { messageId: 'zip-2@customer.test', replyTo: 'zip-1@customer.test', body: 'Never mind the zipper: the sleeve is torn too.' });
  t.equal(again, topicId, 'her second mail threads into the message');

  await a.page.click('[data-composer] button[type=submit]');
  const warning = a.page.locator('[data-reply-conflicts]');
  await warning.waitFor();
  t.match(await warning.innerText(), /Carol Customer wrote again/, 'the send is held back: the customer wrote since the draft started');
  t.equal(await a.page.inputValue('[data-composer-input]'), 'Hello Carol, send the jacket back and we replace the zipper. Free of charge.', 'the draft is kept');
  t.ok(await a.page.locator('text=the sleeve is torn too').isVisible(), 'her new mail is on the page to review');
  t.equal(await h.core.db.selectFrom('posts').select('id').where('topic_id', '=', topicId).where('user_id', '=', (await h.core.services.users.findByUsername('alice'))!.id).executeTakeFirst(), undefined, 'nothing was posted yet');

  await a.page.fill('[data-composer-input]', 'Hello Carol, send the jacket back: we mend the zipper and the sleeve, free of charge.');
  await a.page.click('[data-composer] button:has-text("Send anyway")');
  await a.page.waitForSelector('text=we mend the zipper and the sleeve');
  t.equal(await a.page.locator('[data-reply-conflicts]').count(), 0, 'reviewed, the reply goes out');

  // Bob takes the message while alice writes a follow-up.
  await a.page.fill('[data-composer-input]', 'P.S. the return label is attached.');
  await b.page.reload();
  await b.page.click('[data-take] button');
  await b.page.waitForSelector('[data-taken-by="bob"]');
  await a.page.click('[data-composer] button[type=submit]');
  await a.page.locator('[data-reply-conflicts]').waitFor();
  t.match(await a.page.locator('[data-reply-conflicts]').innerText(), /bob took this message/, 'a colleague taking the message holds the send back too');
  t.equal(await a.page.inputValue('[data-composer-input]'), 'P.S. the return label is attached.');
});
