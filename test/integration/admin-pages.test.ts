import t from 'tap';
import { browser } from './admin-browser.ts';
import { testApp } from '../helpers/app.ts';
import greeter from '../../plugins/example-greeter/index.ts';

/** Every /admin page route, with sample parameters filled in. */
function adminUrls(routes: ReadonlyArray<{ method: string; url: string }>) {
  return routes.filter((r) => r.url.startsWith('/admin') && !r.url.startsWith('/admin/email') && (r.method === 'GET' || r.method === 'POST'))
    .map((r) => ({ method: r.method as 'GET' | 'POST', url: r.url.replace(':id', '1').replace(':name', 'example-greeter').replace(':username', 'admin') }));
}

t.test('members and visitors get the not-found page on every /admin URL, and change nothing', async (t) => {
  const h = await testApp({ plugins: [greeter] });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const member = await h.user('alice');
  const urls = adminUrls(h.core.routes);
  t.ok(urls.length >= 20, `walks ${urls.length} admin routes`);
  for (const who of [await browser(h, member.user), await browser(h, null)]) {
    for (const { method, url } of urls) {
      const res = method === 'GET' ? await who.get(url) : await who.post(url, { role: 'admin', grant: 'true', enabled: 'false', greeting: 'pwned' });
      t.equal(res.statusCode, 404, `${method} ${url}`);
      t.match(res.body, /Page not found/, `${method} ${url} shows the not-found page`);
      t.notMatch(res.body, /aria-label="Admin"/, 'and no admin navigation');
    }
  }
  t.equal((await h.core.db.selectFrom('users').select('admin').where('username', '=', 'alice').executeTakeFirstOrThrow()).admin, false);
  t.equal(h.core.plugins.isEnabled('example-greeter'), true);
  t.equal(h.core.plugins.settings<{ greeting: string }>('example-greeter').greeting, 'Hello from Parley!');
  t.notMatch((await (await browser(h, member.user)).get('/')).body, /href="\/admin"/, 'members see no Admin link');

  const boss = await browser(h, admin.user);
  for (const { url } of urls.filter((u) => u.method === 'GET' && !u.url.includes('/users/1') && !u.url.includes('/categories/1') && !u.url.includes('/groups/'))) {
    const res = await boss.get(url);
    t.equal(res.statusCode, 200, `an admin gets ${url}`);
    t.match(res.body, /<nav class="admin-nav tabs" aria-label="Admin">/);
    t.match(res.body, /<a href="\/admin" aria-current="page">Admin<\/a>/, 'the Admin tab is highlighted');
  }
  t.match((await boss.get('/')).body, /href="\/admin"/, 'admins see the Admin link');
});

t.test('the dashboard counts users, staged users, topics, messages and this week\'s posts', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  await h.core.services.users.create({ username: 'mailer', email: 'mailer@example.com', staged: true }, 'staged');
  const category = await h.publicCategory();
  t.equal((await alice.post('/api/topics', { title: 'Hello there', raw: 'First post here', categoryId: category.id })).statusCode, 201);
  const page = (await (await browser(h, admin.user)).get('/admin')).body;
  t.match(page, /data-count="users">2</);
  t.match(page, /data-count="staged">1</);
  t.match(page, /data-count="topics">1</);
  t.match(page, /data-count="messages">0</);
  t.match(page, /data-count="posts-last-week">1</);
});

t.test('users: search, badges, roles, suspension and activation', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  await h.core.services.users.create({ username: 'mailer', email: 'mailer@example.com', staged: true }, 'staged');
  const b = await browser(h, admin.user);

  const list = await b.get('/admin/users?term=ali');
  t.match(list.body, /href="\/admin\/users\/\d+">alice</);
  t.notMatch(list.body, />mailer</, 'the search narrows the list');
  t.match((await b.get('/admin/users')).body, /mailer<\/a>[\s\S]*?badge staged">staged/, 'staged accounts are badged');
  t.match((await b.get('/admin/users?term=nobody')).body, /No user matches/);

  const id = alice.user!.id;
  const granted = await b.submit(`/admin/users/${id}/roles`, { role: 'moderator', grant: 'true' });
  t.match(granted.body, /alice is now a moderator/);
  t.match(granted.body, /Revoke moderator/);
  const self = await b.post(`/admin/users/${admin.user!.id}/roles`, { role: 'admin', grant: 'false' });
  t.equal(self.statusCode, 400);
  t.match(self.body, /cannot revoke your own admin rights/);
  t.equal((await b.get('/admin')).statusCode, 200, 'and the admin still is one');

  const past = await b.post(`/admin/users/${id}/suspend`, { until: '2001-01-01', reason: 'spam' });
  t.equal(past.statusCode, 400);
  t.match(past.body, /must end in the future/);
  t.match(past.body, /spam<\/textarea>/, 'what was typed is kept');
  const noReason = await b.post(`/admin/users/${id}/suspend`, { until: '2999-01-01', reason: ' ' });
  t.match(noReason.body, /Give a reason/);
  t.equal((await h.core.db.selectFrom('users').select('suspended_until').where('id', '=', id).executeTakeFirstOrThrow()).suspended_until, null, 'nothing changed');

  const suspended = await b.submit(`/admin/users/${id}/suspend`, { until: '2999-01-01', reason: 'Cooling off' });
  t.match(suspended.body, /alice is suspended until/);
  t.match(suspended.body, /Cooling off/);
  t.equal((await alice.get('/api/session/me')).statusCode, 401, 'a suspended user is signed out');
  t.match((await b.get('/admin/users')).body, /alice<\/a>[\s\S]*?badge staged">suspended/);
  t.match((await b.submit(`/admin/users/${id}/unsuspend`, {})).body, /alice is no longer suspended/);

  const mailer = await h.core.db.selectFrom('users').select('id').where('username', '=', 'mailer').executeTakeFirstOrThrow();
  const staged = await b.post(`/admin/users/${mailer.id}/activate`, {});
  t.equal(staged.statusCode, 400);
  t.match(staged.body, /becomes active when the person signs up/);
  await h.core.db.updateTable('users').set({ active: false }).where('id', '=', id).execute();
  t.match((await b.submit(`/admin/users/${id}/activate`, {})).body, /alice is active and can log in/);
  t.equal((await b.get('/admin/users/999999')).statusCode, 404);
});

t.test('groups: create, settings, members and owners', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  await h.user('alice');
  await h.user('bob');
  const b = await browser(h, admin.user);
  const fields = { full_name: 'Support team', description: '', visibility: 'public', messageable: 'everyone', mentionable: 'members', default_notification_level: '3' };

  const bad = await b.post('/admin/groups', { name: 'x', ...fields });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /Group names are 3 to 40 letters/);
  t.match(bad.body, /value="Support team"/, 'what was typed is kept');
  t.equal((await h.core.db.selectFrom('groups').select('id').where('name', '=', 'x').execute()).length, 0);

  const created = await b.submit('/admin/groups', { name: 'support', ...fields });
  t.match(created.body, /Group support created/);
  t.match(created.body, /<option value="everyone" selected>Everyone<\/option>/);

  const saved = await b.submit('/admin/groups/support', { ...fields, full_name: 'Helpdesk', visibility: 'members' });
  t.match(saved.body, /Saved the settings of support/);
  t.match(saved.body, /value="Helpdesk"/);
  t.match(saved.body, /<option value="members" selected>Members only<\/option>/);
  const wrong = await b.post('/admin/groups/support', { ...fields, visibility: 'martians' });
  t.equal(wrong.statusCode, 400);
  t.equal((await h.core.db.selectFrom('groups').select('visibility').where('name', '=', 'support').executeTakeFirstOrThrow()).visibility, 'members');

  const missing = await b.post('/admin/groups/support/members', { usernames: 'alice, nobody' });
  t.equal(missing.statusCode, 400);
  t.match(missing.body, /No user is called nobody/);
  t.match(missing.body, /value="alice, nobody"/);
  t.match((await b.submit('/admin/groups/support/members', { usernames: 'alice @bob' })).body, /Added alice, bob/);
  const owner = await b.submit('/admin/groups/support/members/alice/owner', { owner: 'true' });
  t.match(owner.body, /alice is now an owner of support/);
  t.match(owner.body, /alice<\/a> <span class="badge">owner/);
  const removed = await b.submit('/admin/groups/support/members/bob/remove', {});
  t.match(removed.body, /Removed bob from support/);
  t.notMatch(removed.body, />bob<\/a>/);
  t.match((await b.get('/admin/groups')).body, /href="\/admin\/groups\/support">support/);
});

t.test('categories: create, edit, permissions and delete', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  await h.core.services.groups.create({ name: 'support' });
  const b = await browser(h, admin.user);

  const bad = await b.post('/admin/categories', { name: 'Help', color: 'blue' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /six hexadecimal digits/);
  t.equal((await h.core.db.selectFrom('categories').select('id').execute()).length, 0);

  const created = await b.submit('/admin/categories', { name: 'Help', description: 'Ask here', color: '#aa3300' });
  t.match(created.body, /Category Help created/);
  const id = (await h.core.db.selectFrom('categories').select('id').executeTakeFirstOrThrow()).id;
  t.notMatch((await (await browser(h, alice.user)).get('/categories')).body, /Help/, 'staff only until granted');

  const form = { name: 'Help desk', description: 'Ask here', color: '#aa3300', position: '2', 'perm_group[]': ['everyone', 'support', ''], 'perm_level[]': ['create', 'see', 'see'] };
  const saved = await b.submit(`/admin/categories/${id}`, form);
  t.match(saved.body, /Saved Help desk/);
  t.match(saved.body, /<option value="everyone" selected>everyone<\/option>[\s\S]*?<option value="create" selected>/);
  t.match((await (await browser(h, alice.user)).get('/categories')).body, /Help desk/, 'members see it now');
  t.match((await b.get('/admin/categories')).body, /everyone: create/);

  const unknown = await b.post(`/admin/categories/${id}`, { ...form, 'perm_group[]': ['ghosts'], 'perm_level[]': ['see'] });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.body, /No group is called ghosts/);
  t.equal((await h.core.db.selectFrom('category_groups').select('group_id').where('category_id', '=', id).execute()).length, 2, 'grants unchanged');

  const removed = await b.submit(`/admin/categories/${id}`, { ...form, 'perm_level[]': ['create', '', 'see'] });
  t.notMatch(removed.body, /<option value="support" selected>/, 'a row set to No access is removed');

  await alice.post('/api/topics', { title: 'Need help please', raw: 'Something broke', categoryId: id });
  const refused = await b.post(`/admin/categories/${id}/delete`, {});
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /still holds 1 topic; move or delete them first/);
  await h.core.db.deleteFrom('posts').execute();
  await h.core.db.deleteFrom('topics').execute();
  const deleted = await b.submit(`/admin/categories/${id}/delete`, {});
  t.match(deleted.body, /Deleted the category Help desk/);
  t.match(deleted.body, /No categories yet/);
});
