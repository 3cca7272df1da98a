import t from 'tap';
import { testApp } from '../helpers/app.ts';

t.test('users: profiles, search, preferences and admin controls', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice', { name: 'Alice Liddell' });
  const anon = await h.anonymous();
  await h.core.services.users.create({ username: 'alistaged', email: 'ali@example.com', staged: true }, 'staged');

  t.test('public profiles; staged accounts are hidden unless you are staff', async (t) => {
    const res = await anon.json('/api/users/ALICE');
    t.equal(res.user.name, 'Alice Liddell');
    t.notOk('staged' in res.user);
    t.notOk(JSON.stringify(res).includes('example.com'), 'no email address on a public profile');
    t.equal((await anon.get('/api/users/alistaged')).statusCode, 404);
    t.equal((await alice.get('/api/users/alistaged')).statusCode, 404);
    t.equal((await admin.json('/api/users/alistaged')).user.staged, true);
    t.equal((await anon.get('/api/users/nobody')).statusCode, 404);
  });

  t.test('search finds by username or name start, never staged users', async (t) => {
    t.same((await anon.json('/api/users?term=ali')).users.map((u: { username: string }) => u.username), ['alice']);
    t.same((await anon.json('/api/users?term=liddell')).users, []);
    t.same((await anon.json('/api/users?term=Alice%20L')).users.map((u: { username: string }) => u.username), ['alice']);
    const missing = await anon.get('/api/users');
    t.equal(missing.statusCode, 400);
    t.match(missing.json().message, /term/);
  });

  t.test('preferences: your own, checked, never anonymous', async (t) => {
    const res = await alice.put('/api/users/me/preferences', { email_digests: false });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().preferences.email_digests, false);
    t.equal(res.json().preferences.email_replies, true, 'other flags untouched');
    const bad = await alice.put('/api/users/me/preferences', { email_digests: 'sometimes' });
    t.equal(bad.statusCode, 400);
    t.match(bad.json().message, /email_digests/);
    const empty = await alice.put('/api/users/me/preferences', { colour: 'blue' });
    t.equal(empty.statusCode, 400);
    t.match(empty.json().message, /Send at least one of email_messages/);
    t.equal((await alice.json('/api/users/me/preferences')).preferences.email_digests, false, 'the bad requests changed nothing');
    t.equal((await anon.put('/api/users/me/preferences', { email_digests: true })).statusCode, 401);
  });

  t.test('admins list users with the staged badge; members cannot', async (t) => {
    const list = (await admin.json('/api/admin/users')).users;
    t.same(list.map((u: { username: string }) => u.username), ['alistaged', 'alice', 'admin']);
    t.equal(list[0].staged, true);
    t.equal(list[1].email, 'alice@example.com');
    t.same((await admin.json('/api/admin/users?term=ali@')).users.map((u: { username: string }) => u.username), ['alistaged']);
    t.equal((await alice.get('/api/admin/users')).statusCode, 403);
    t.equal((await anon.get('/api/admin/users')).statusCode, 401);
  });

  t.test('roles: granted by admins, never self-revoked', async (t) => {
    const res = await admin.put(`/api/admin/users/${alice.user!.id}/roles`, { moderator: true });
    t.equal(res.json().user.moderator, true);
    t.equal((await alice.put(`/api/admin/users/${alice.user!.id}/roles`, { admin: true })).statusCode, 403);
    const self = await admin.put(`/api/admin/users/${admin.user!.id}/roles`, { admin: false });
    t.equal(self.statusCode, 400);
    t.match(self.json().message, /own admin rights/);
    t.equal((await admin.put('/api/admin/users/9999/roles', { moderator: true })).statusCode, 404);
  });

  t.test('suspending signs the person out and blocks them until lifted', async (t) => {
    const bob = await h.user('bob');
    const past = await admin.put(`/api/admin/users/${bob.user!.id}/suspend`, { until: '2000-01-01T00:00:00Z', reason: 'spam' });
    t.equal(past.statusCode, 400);
    t.match(past.json().message, /future/);
    t.equal((await admin.put(`/api/admin/users/${bob.user!.id}/suspend`, { until: 'next week', reason: 'spam' })).statusCode, 400);
    t.equal((await bob.json('/api/users/me/preferences')).preferences.email_replies, true, 'bad requests did not sign bob out');
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const res = await admin.put(`/api/admin/users/${bob.user!.id}/suspend`, { until, reason: 'Spamming links' });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().user.suspended_reason, 'Spamming links');
    t.equal((await bob.get('/api/users/me/preferences')).statusCode, 401, 'sessions destroyed');
    const login = await anon.post('/api/session', { login: 'bob', password: 'correct horse battery' });
    t.match(login.json().message, /suspended until .*Spamming links/);
    t.equal((await admin.put(`/api/admin/users/${bob.user!.id}/unsuspend`)).json().user.suspended_until, null);
    t.equal((await anon.post('/api/session', { login: 'bob', password: 'correct horse battery' })).statusCode, 200);
  });

  t.test('activation: admins activate accounts, but not staged ones', async (t) => {
    const u = await h.core.services.users.create({ username: 'newbie', email: 'newbie@example.com', password: 'correct horse battery', active: false }, 'signup');
    t.equal((await admin.put(`/api/admin/users/${u.id}/activate`)).json().user.active, true);
    const staged = (await admin.json('/api/admin/users?term=alistaged')).users[0];
    const res = await admin.put(`/api/admin/users/${staged.id}/activate`);
    t.equal(res.statusCode, 400);
    t.match(res.json().message, /signs up/);
  });
});
