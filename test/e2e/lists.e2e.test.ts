import t from 'tap';
import { launchBrowser, logIn, person, readUpTo } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';

t.test('in a real browser: the latest list moves a topic up and counts its unread posts as they are written', async (t) => {
  const h = await testApp();
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  const category = await h.core.services.categories.create({ name: 'General', permissions: [{ group: 'everyone', permission: 'create' }] });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const older = (await alice.post('/api/topics', { title: 'Older topic', raw: 'first of the older topic', categoryId: category.id })).json().topic;
  await alice.post('/api/topics', { title: 'Newer topic', raw: 'first of the newer topic', categoryId: category.id });

  const { page } = await person(browser);
  await logIn(page, base, 'bob');
  await page.goto(`${base}/t/${older.slug}/${older.id}`);
  await readUpTo(h.core.db, bob.user!.id, older.id, 1);
  await page.goto(`${base}/`);
  t.equal(await page.textContent('.topic-row:first-child .title'), 'Newer topic');
  await page.waitForTimeout(300);

  await alice.post(`/api/t/${older.id}/posts`, { raw: 'news in the older topic' });
  await page.waitForSelector(`.topic-row:first-child[data-topic-id="${older.id}"]`, { timeout: 1500 });
  t.pass('the topic with the new post moved to the top, live');
  t.equal((await page.textContent(`[data-topic-id="${older.id}"] [data-unread-badge]`))?.trim(), '1', 'with one unread post');

  await alice.post('/api/topics', { title: 'Brand new topic', raw: 'not on the page yet', categoryId: category.id });
  await page.waitForSelector('.live-banner', { timeout: 1500 });
  t.match(await page.textContent('.live-banner'), /1 new update/, 'a topic not on the page shows a banner instead of jumping the list');
});
