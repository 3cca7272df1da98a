// Canned replies in a real browser: a member opens a customer's mail, searches the group's library
// from the composer by keyboard, inserts a reply at the cursor with its variables filled, and posts it.
import t from 'tap';
import cannedReplies from '../../plugins/canned-replies/index.ts';
import groupInbox from '../../plugins/group-inbox/index.ts';
import stagedAccounts from '../../plugins/staged-accounts/index.ts';
import { launchBrowser, logIn, person } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';
import { rawMail } from '../helpers/mail.ts';

t.test('in a real browser: a member searches the library from the composer, inserts a reply with its variables filled, and posts it', async (t) => {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, cannedReplies], config: { baseUrl: 'http://forum.test' } });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  const admin = await h.user('admin', { admin: true });
  const olive = await h.user('olive', { name: 'Olive Owner' });
  await h.user('alice', { name: 'Alice Agent' });
  await h.core.services.groups.create({ name: 'support', full_name: 'Acme Support' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['olive', 'alice']);
  await h.core.services.groups.setOwner('support', 'olive', true);
  await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] });
  const shipping = await olive.post('/api/canned-replies', { group: 'support', title: 'Shipping delay', body: 'Hi {{customer.first_name}}, your parcel is on its way: {{topic.url}}\n\n{{agent.name}}, {{group.name}}' });
  t.equal(shipping.statusCode, 201, shipping.body);
  await olive.post('/api/canned-replies', { group: 'support', title: 'Refund policy', body: 'Refunds take five days.' });
  const topicId = (await h.core.mail.receiver.receive(rawMail({ from: 'Carol Customer <carol@customer.test>', to: 'support@forum.test', subject: 'Broken zipper' }),
    { source: 'http', envelopeRecipients: ['support@forum.test'] })).topicId!;

  const { page } = await person(browser);
  await logIn(page, base, 'alice');
  await page.goto(`${base}/t/broken-zipper/${topicId}`);
  const textarea = page.locator('[data-composer-input]');
  await textarea.fill('Hello!\n\nBest wishes');
  await textarea.evaluate((el: HTMLTextAreaElement) => { el.focus(); el.setSelectionRange(8, 8); }); // after "Hello!\n\n"

  // Keyboard only: Alt+Shift+C opens the picker, typing searches, arrows choose, Enter inserts.
  await page.keyboard.press('Alt+Shift+KeyC');
  await page.waitForSelector('[data-canned-search]:focus');
  await page.waitForSelector('[data-canned-option]');
  t.equal(await page.locator('[data-canned-option]').count(), 2, 'the picker lists the group\'s library');
  await page.keyboard.type('parcel');
  await page.waitForFunction(() => document.querySelectorAll('[data-canned-option]').length === 1);
  t.match(await page.locator('[data-canned-option]').innerText(), /Shipping delay/, 'searching the bodies narrows it to the one reply');
  await page.keyboard.press('ArrowDown');
  t.equal(await page.locator('[data-canned-option][aria-selected="true"]').count(), 1, 'one option is active');
  await page.keyboard.press('Enter');
  const filled = `Hi Carol, your parcel is on its way: http://forum.test/t/broken-zipper/${topicId}\n\nAlice Agent, Acme Support`;
  await page.waitForFunction(() => (document.querySelector('[data-composer-input]') as HTMLTextAreaElement).value.includes('Hi Carol'));
  t.equal(await textarea.inputValue(), `Hello!\n\n${filled}\n\nBest wishes`, 'the reply is inserted at the cursor as a paragraph, the customer\'s name, agent, group and link filled');
  t.equal(await textarea.evaluate((el: HTMLTextAreaElement) => el.selectionStart), 8 + filled.length, 'the cursor is at the end of the inserted reply');
  t.ok(await textarea.evaluate((el) => el === document.activeElement), 'focus is back in the reply box');
  t.ok(await page.locator('[data-canned-panel]').isHidden(), 'and the picker closed');
  await page.waitForSelector('[data-composer-preview] :text("Hi Carol")');
  t.pass('the preview shows it');

  await page.click('[data-composer] button.primary');
  await page.waitForSelector('[data-posts] :text("Alice Agent, Acme Support")');
  t.pass('posting it works');
  const posts = (await olive.json(`/api/t/${topicId}`)).posts;
  t.equal(posts.at(-1).raw.replace(/\r\n/g, '\n'), `Hello!\n\n${filled}\n\nBest wishes`, 'the post holds the filled reply');
  t.equal((await olive.json(`/api/canned-replies/${shipping.json().reply.id}`)).reply.usageCount, 1, 'and the use was counted once');

  // By mouse, into the empty reply box: a one-line reply goes in as it is.
  await page.click('[data-canned-open]');
  await page.click('[data-canned-option]:has-text("Refund policy")');
  await page.waitForFunction(() => (document.querySelector('[data-composer-input]') as HTMLTextAreaElement).value !== '');
  t.equal(await textarea.inputValue(), 'Refunds take five days.', 'a click inserts too');
});
