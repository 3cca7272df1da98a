import t from 'tap';
import { buildApp } from '../../core/app.ts';
import { openDatabase } from '../../core/db/database.ts';
import { ENGINE } from '../helpers/database.ts';
import { launchBrowser, logIn, signUp } from '../helpers/browser.ts';
import { testApp } from '../helpers/app.ts';

t.test('with scripts turned off, a person can still sign up, read, start a topic and reply', async (t) => {
  const h = await testApp();
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await h.close(); });
  await h.core.services.categories.create({ name: 'General', permissions: [{ group: 'everyone', permission: 'create' }] });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signUp(page, base, 'noscript');
  await page.goto(`${base}/new-topic`);
  await page.fill('input[name=title]', 'Plain HTML works');
  await page.fill('textarea[name=raw]', 'No scripts were harmed.');
  await page.click('button:has-text("Create topic")');
  await page.waitForSelector('h1:has-text("Plain HTML works")');
  await page.fill('textarea[name=raw]', 'A reply without scripts.');
  await page.click('button:has-text("Reply")');
  await page.waitForSelector('#post-2 >> text=A reply without scripts.');
  await page.goto(`${base}/`);
  t.ok(await page.isVisible('a.title:has-text("Plain HTML works")'), 'the topic is listed');
  t.pass('sign up, start a topic, reply and read all work without scripts');
});

t.test('two browsers on two Parley processes sharing one PostgreSQL see each other live', { skip: ENGINE !== 'postgres' && 'needs a PostgreSQL server (PGlite is one process)' }, async (t) => {
  const h = await testApp();
  const second = await buildApp({ database: await openDatabase({ url: h.core.database.connectionString, poolSize: 4 }), logger: false, jobs: false, config: { dataDir: '/tmp/parley-test-data' } });
  const baseA = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const baseB = await second.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchBrowser();
  t.teardown(async () => { await browser.close(); await second.close(); await second.parley.database.close(); await h.close(); });
  const category = await h.core.services.categories.create({ name: 'General', permissions: [{ group: 'everyone', permission: 'create' }] });
  const alice = await h.user('alice');
  await h.user('bob');
  const topic = (await alice.post('/api/topics', { title: 'Across processes', raw: 'first post here', categoryId: category.id })).json().topic;

  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await logIn(a, baseA, 'alice');
  await logIn(b, baseB, 'bob');
  await b.goto(`${baseB}/t/${topic.slug}/${topic.id}`);
  await a.goto(`${baseA}/t/${topic.slug}/${topic.id}`);
  await b.waitForSelector('[data-presence]:has-text("alice is viewing")', { timeout: 3000 });
  t.pass("bob, on the other process, sees alice's presence");
  await a.fill('textarea[name=raw]', 'Hello from process A');
  await a.click('button:has-text("Reply")');
  await b.waitForSelector('#post-2 >> text=Hello from process A', { timeout: 2000 });
  t.pass('the reply made on process A appears live on process B');
});
