// Taking a message in a real browser: two members have the same inbox open; A takes a message,
// B sees it taken within a second, and B's take gets the conflict.
import t from 'tap';
import assign from '../../plugins/assign/index.ts';
import groupInbox from '../../plugins/group-inbox/index.ts';
import stagedAccounts from '../../plugins/staged-accounts/index.ts';
import whispers from '../../plugins/whispers/index.ts';
import { launchBrowser, logIn, person } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';
import { supportDesk } from '../helpers/support-desk.ts';

t.test('in a real browser: A takes a message, B sees it taken within a second, and B\'s take is refused', async (t) => {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers, assign] });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  const { mail } = await supportDesk(h, { stagedCustomer: true });
  const topicId = await mail('Broken zipper');

  const a = await person(browser);
  const b = await person(browser);
  await logIn(a.page, base, 'alice');
  await logIn(b.page, base, 'bob');
  await b.page.goto(`${base}/g/support/messages`);
  await a.page.goto(`${base}/t/broken-zipper/${topicId}`);
  await b.page.waitForSelector(`[data-topic-id="${topicId}"]`);
  // Bob also has the message open in a second tab.
  const bTopic = await b.context.newPage();
  await bTopic.goto(`${base}/t/broken-zipper/${topicId}`);
  await Promise.all([a.page, b.page, bTopic].map((p) => p.waitForTimeout(300))); // websockets open

  const clicked = Date.now();
  await a.page.click('[data-take] button');
  await a.page.waitForSelector('[data-taken-by="alice"]');
  await b.page.waitForSelector(`[data-topic-id="${topicId}"] [data-taken-by="alice"]`, { timeout: 1000 });
  await bTopic.waitForSelector('[data-taken-by="alice"]', { timeout: 1000 });
  t.ok(Date.now() - clicked < 2000, `bob's inbox and topic page show "taken by alice" (${Date.now() - clicked} ms after the click, alice's page load included)`);

  // Bob's page still offers Take if he acts before looking closely; the server refuses it clearly.
  await bTopic.evaluate(() => document.querySelector('[data-take]')?.removeAttribute('hidden'));
  await bTopic.click('[data-take] button');
  await bTopic.waitForSelector('text=alice has just taken this message');
  t.pass('bob\'s take gets the conflict, naming who took it');
  t.equal(await bTopic.locator('[data-taken-by="alice"]').count(), 1, 'and the page still says alice holds it');
});
