import t from 'tap';
import { launchBrowser, logIn, person, readUpTo, signUp } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';

t.test('in a real browser: sign up, start a topic, reply; a second person sees it live and their bell rings', async (t) => {
  const h = await testApp();
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  await h.core.services.categories.create({ name: 'General', permissions: [{ group: 'everyone', permission: 'create' }] });

  const a = await person(browser);
  await signUp(a.page, base, 'alice');
  t.ok(await a.page.isVisible('text=Log out'), 'signed up and logged in');
  await a.page.click('text=New topic');
  await a.page.fill('input[name=title]', 'Printer on floor two');
  await a.page.fill('textarea[name=raw]', 'It prints **everything** twice.');
  await a.page.waitForSelector('[data-composer-preview] strong');
  t.pass('the composer previews Markdown');
  await a.page.click('button:has-text("Create topic")');
  await a.page.waitForSelector('h1:has-text("Printer on floor two")');
  const topicUrl = a.page.url();

  const b = await person(browser);
  await signUp(b.page, base, 'bob');
  await b.page.goto(topicUrl);
  await b.page.waitForFunction(() => document.querySelector('[data-presence]') !== null);
  await b.page.waitForTimeout(300); // the websocket is open

  await a.page.fill('textarea[name=raw]', 'Update: @bob it also jams.');
  const sentAt = Date.now();
  await a.page.click('button:has-text("Reply")');
  await b.page.waitForSelector('#post-2 >> text=it also jams', { timeout: 1000 });
  t.ok(Date.now() - sentAt < 1500, `bob saw the reply live (${Date.now() - sentAt} ms from the click, page round trip included)`);
  await b.page.waitForSelector('[data-bell-count]:not([hidden])', { timeout: 1000 });
  t.equal(await b.page.textContent('[data-bell-count]'), '1', "bob's bell shows the mention");

  const topicId = Number(topicUrl.split('/').pop());
  const bobId = (await h.core.db.selectFrom('users').select('id').where('username', '=', 'bob').executeTakeFirstOrThrow()).id;
  await readUpTo(h.core.db, bobId, topicId, 2);
  t.pass('the posts bob scrolled past count as read');

  await b.page.selectOption('select[name=level]', '3');
  await b.page.click('form[action$="/notification-level"] button');
  await b.page.waitForSelector('text=Notification level saved.');
  t.equal(await b.page.inputValue('select[name=level]'), '3', 'bob now watches the topic');

  await b.page.fill('textarea[name=raw]', 'Thanks, I will look at it.');
  await b.page.click('button:has-text("Reply")');
  await b.page.waitForSelector('#post-3');
  t.equal(await b.page.locator('article.post').count(), 3);
});

t.test('in a real browser: a non-participant opening a private message gets the not-found page', async (t) => {
  const h = await testApp();
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  const alice = await h.user('alice');
  await h.user('bob');
  await h.user('mallory');
  const pm = (await alice.post('/api/messages', { title: 'Salary review', raw: 'numbers inside', usernames: ['bob'] })).json().topic;
  const m = await person(browser);
  await logIn(m.page, base, 'mallory');
  const res = await m.page.goto(`${base}/t/${pm.slug}/${pm.id}`);
  t.equal(res?.status(), 404);
  t.ok(await m.page.isVisible('h1:has-text("Page not found")'));
  t.notOk((await m.page.content()).includes('Salary review'), 'the title does not leak');
});
