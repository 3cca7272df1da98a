import t from 'tap';
import { SiteSettingsService, siteSettings } from '../../core/admin/site-settings.ts';
import greeter from '../../plugins/example-greeter/index.ts';
import { testApp } from '../helpers/app.ts';
import { browser } from './admin-browser.ts';

t.test('plugins: the generated settings form round-trips, bad values name the setting, and off hides the outlet', async (t) => {
  const h = await testApp({ plugins: [greeter] });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const b = await browser(h, admin.user);
  const visitor = await browser(h, null);

  const page = (await b.get('/admin/plugins')).body;
  t.match(page, /example-greeter <span class="muted">1\.0\.0<\/span>/);
  t.match(page, /A worked example of the plugin API/);
  t.match(page, /<input type="text" id="plugin-example-greeter-greeting" name="greeting" value="Hello from Parley!" placeholder="Hello from Parley!" maxlength="200" required>/);
  t.match(page, /name="quietUserIds" value=""/);
  t.match((await visitor.get('/')).body, /<p class="example-greeter">Hello from Parley!<\/p>/, 'the outlet shows on the latest page');

  const saved = await b.submit('/admin/plugins/example-greeter/settings', { greeting: 'Welcome, friends', quietUserIds: '3, 5' });
  t.match(saved.body, /Saved the settings of example-greeter/);
  t.match(saved.body, /name="greeting" value="Welcome, friends"/, 'reloading shows the saved value');
  t.match(saved.body, /name="quietUserIds" value="3, 5"/);
  t.same(h.core.plugins.settings('example-greeter'), { greeting: 'Welcome, friends', quietUserIds: [3, 5] });
  t.match((await visitor.get('/')).body, /Welcome, friends/);

  const empty = await b.post('/admin/plugins/example-greeter/settings', { greeting: '', quietUserIds: '3' });
  t.equal(empty.statusCode, 400);
  t.match(empty.body, /Setting greeting of example-greeter/, 'the error names the setting');
  const word = await b.post('/admin/plugins/example-greeter/settings', { greeting: 'Hi', quietUserIds: '3, bob' });
  t.equal(word.statusCode, 400);
  t.match(word.body, /Quiet user ids: &quot;bob&quot; is not a number/);
  t.match(word.body, /name="quietUserIds" value="3, bob"/, 'what was typed is kept');
  t.same(h.core.plugins.settings('example-greeter'), { greeting: 'Welcome, friends', quietUserIds: [3, 5] }, 'nothing changed');

  const off = await b.submit('/admin/plugins/example-greeter/enabled', { enabled: 'false' });
  t.match(off.body, /example-greeter is off/);
  t.match(off.body, /Turn on<span class="visually-hidden"> example-greeter/);
  t.notMatch((await visitor.get('/')).body, /example-greeter/, 'a plugin turned off leaves the latest page at once');
  await b.submit('/admin/plugins/example-greeter/enabled', { enabled: 'true' });
  t.match((await visitor.get('/')).body, /Welcome, friends/, 'and comes back when turned on');
  t.equal((await b.post('/admin/plugins/nope/enabled', { enabled: 'true' })).statusCode, 404);
});

t.test('site settings: typed, defaulted, validated, and every process sees a change', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const b = await browser(h, admin.user);
  const elsewhere = new SiteSettingsService(h.core.db, h.core.bus); // as another process would hold it
  const emailDefaults = { emailFrom: '', replyByEmailAddress: '', bounceAddress: '', emailSubjectToken: 'Topic', emailSoftBounceLimit: 3 };
  t.same(await elsewhere.get(), { title: 'Parley', description: '', contactEmail: '', loginRequired: false, ...emailDefaults }, 'defaults');
  t.equal(siteSettings(h.core), siteSettings(h.core), 'one service per core');

  const page = (await b.get('/admin/settings')).body;
  t.match(page, /Site title/);
  t.match(page, /<textarea id="site-description" name="description"/, 'a long text gets a textarea');
  t.match(page, /type="checkbox" id="site-loginRequired" name="loginRequired" value="true" {2}aria-describedby/);

  const bad = await b.post('/admin/settings', { title: 'Helpdesk', description: '', contactEmail: 'not an address', loginRequired: 'true' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /Setting contactEmail: must be an email address/);
  t.match(bad.body, /value="not an address"/);
  t.same((await siteSettings(h.core).get()).title, 'Parley', 'nothing saved');

  const saved = await b.submit('/admin/settings', { title: 'Helpdesk', description: 'We help.', contactEmail: 'help@example.com', loginRequired: 'true' });
  t.match(saved.body, /Saved the site settings/);
  t.match(saved.body, /name="title" value="Helpdesk"/);
  t.match(saved.body, /name="loginRequired" value="true" checked/);
  t.same(await siteSettings(h.core).get(), { title: 'Helpdesk', description: 'We help.', contactEmail: 'help@example.com', loginRequired: true, ...emailDefaults }, 'saved; the mail settings left out of the form keep their defaults');
  for (let i = 0; i < 50 && (await elsewhere.get()).title !== 'Helpdesk'; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal((await elsewhere.get()).title, 'Helpdesk', 'another process drops its cache when told');

  const unticked = await b.submit('/admin/settings', { title: 'Helpdesk', description: 'We help.', contactEmail: '' });
  t.notMatch(unticked.body, /name="loginRequired" value="true" checked/, 'an unticked box saves false');
  t.equal((await siteSettings(h.core).get()).loginRequired, false);
});

t.test('API keys: the new key is shown once, works with the Api-Key header, and stops when revoked', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  await h.user('robot');
  const b = await browser(h, admin.user);

  const bad = await b.post('/admin/api-keys', { username: 'nobody', scopes: 'read', description: 'CI' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /No user is called nobody/);
  const none = await b.post('/admin/api-keys', { username: 'robot', description: 'CI' });
  t.match(none.body, /Tick at least one scope/);
  t.equal((await h.core.db.selectFrom('api_keys').select('id').execute()).length, 0, 'no key was made');

  const created = await b.post('/admin/api-keys', { username: 'robot', scopes: ['read', 'write'], description: 'Nightly import' });
  t.equal(created.statusCode, 201);
  t.match(created.body, /This is the only time the key is shown/);
  t.equal(created.headers['cache-control'], 'no-store');
  const key = created.body.match(/value="(pk_[^"]+)" data-api-key/)?.[1] ?? '';
  t.ok(key, 'the key is on the page');

  const me = await h.app.inject({ method: 'GET', url: '/api/session/me', headers: { 'api-key': key } });
  t.equal(me.statusCode, 200);
  t.match(me.json(), { user: { username: 'robot' } }, 'the key acts as its user');

  const list = (await b.get('/admin/api-keys')).body;
  t.notMatch(list, new RegExp(key), 'the list never shows the key again');
  t.match(list, new RegExp(`<code>${key.slice(0, 7)}…</code>`));
  t.match(list, /Nightly import/);
  t.notMatch(list, /<td><span class="muted">never<\/span><\/td>/, 'last used is recorded');

  const id = (await h.core.db.selectFrom('api_keys').select('id').executeTakeFirstOrThrow()).id;
  const revoked = await b.submit(`/admin/api-keys/${id}/revoke`, {});
  t.match(revoked.body, /The key is revoked/);
  t.match(revoked.body, /badge staged">revoked/);
  t.equal((await h.app.inject({ method: 'GET', url: '/api/session/me', headers: { 'api-key': key } })).statusCode, 401);
});
