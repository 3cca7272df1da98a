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

  t.test('a staged account merges into another staged one: it stays staged, with both addresses; user-merge lets plugins carry their rows along', async (t) => {
    const users = h.core.services.users;
    const merges: unknown[] = [];
    h.core.hooks.onFilter('user-merge', async (carried, { fromId, intoId, actorId, trx }) => {
      const still = await trx.selectFrom('users').select('id').where('id', '=', fromId).executeTakeFirst();
      merges.push({ fromId, intoId, actorId, stillThere: Boolean(still) });
      return [...carried, 'a test row'];
    });
    const home = await users.create({ username: 'sam-home', email: 'Sam@Home.test', staged: true }, 'staged');
    const work = await users.create({ username: 'sam-work', email: 'sam@work.test', staged: true }, 'staged');
    const sent = await h.core.services.topics.createMessage(await users.viewerFor(home), { title: 'Written from home', raw: 'Hello from my home address.', userIds: [admin.user!.id], skipValidations: true });

    t.same(await h.core.services.userAdmin.mergeStaged(home.id, work.id, admin.user!.id), { carried: ['a test row'] }, 'the merge says what plugins carried along');
    t.notOk(await users.findById(home.id), 'the merged account is gone');
    const into = (await users.findById(work.id))!;
    t.equal(into.staged, true, 'the result is still a staged account');
    t.same((await h.core.db.selectFrom('user_emails').select(['email', 'is_primary']).where('user_id', '=', work.id).orderBy('is_primary', 'desc').execute()),
      [{ email: 'sam@work.test', is_primary: true }, { email: 'Sam@Home.test', is_primary: false }], 'with both addresses, its own still primary');
    t.equal((await users.findByEmail('sam@home.test'))?.id, work.id, 'mail from either address is the target\'s');
    const topic = await h.core.db.selectFrom('topics').select('user_id').where('id', '=', sent.topic.id).executeTakeFirstOrThrow();
    t.equal(topic.user_id, work.id, 'its message moved');
    t.ok(await h.core.db.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', sent.topic.id).where('user_id', '=', work.id).executeTakeFirst(), 'with its place in the conversation');
    t.same(merges, [{ fromId: home.id, intoId: work.id, actorId: admin.user!.id, stillThere: true }], 'user-merge ran once, with the actor, inside the merge while the account still existed');

    const refuse = async (from: number, into: number, status: number, message: RegExp, why: string) => {
      const err = await h.core.services.userAdmin.mergeStaged(from, into, admin.user!.id).then(() => null, (e: { statusCode: number; message: string }) => e);
      t.equal(err?.statusCode, status, why);
      t.match(err?.message, message, why);
    };
    await refuse(work.id, work.id, 400, /cannot be merged into itself/, 'never into itself');
    await refuse(alice.user!.id, work.id, 400, /signed-up account is never merged/, 'a signed-up account is never merged, into a staged one');
    await refuse(alice.user!.id, admin.user!.id, 400, /signed-up account is never merged/, 'nor into a signed-up one');
    await refuse(work.id, 999_999, 404, /does not exist/, 'nor into nobody');
    t.equal(merges.length, 1, 'a refused merge fires nothing');
    t.ok(await users.findById(work.id), 'and changes nothing');
  });

  t.test('addEmail gives a user a secondary address, refusing one anybody has', async (t) => {
    const users = h.core.services.users;
    t.equal(await users.addEmail(alice.user!.id, '  Alice.Mobile@Phone.test '), 'Alice.Mobile@Phone.test', 'kept as written, trimmed');
    t.equal((await users.findByEmail('alice.mobile@phone.test'))?.id, alice.user!.id, 'found by it, whatever its case');
    t.same((await h.core.db.selectFrom('user_emails').select(['email_lower', 'is_primary']).where('user_id', '=', alice.user!.id).orderBy('id').execute()),
      [{ email_lower: 'alice@example.com', is_primary: true }, { email_lower: 'alice.mobile@phone.test', is_primary: false }], 'secondary, the primary unchanged');
    const fail = (userId: number, email: string) => users.addEmail(userId, email).then(() => null, (e: { statusCode: number; message: string }) => e);
    const taken = await fail(admin.user!.id, 'ALICE.mobile@phone.test');
    t.equal(taken?.statusCode, 409, 'someone else\'s address');
    t.match(taken?.message, /already belongs to @alice/);
    const own = await fail(alice.user!.id, 'alice@example.com');
    t.equal(own?.statusCode, 409, 'one of their own');
    t.match(own?.message, /already one of @alice's addresses/);
    t.equal((await fail(alice.user!.id, 'not an address'))?.statusCode, 400, 'not an address');
    t.equal((await fail(999_999, 'ghost@nowhere.test'))?.statusCode, 404, 'nobody to give it to');
    t.notOk(await users.findByEmail('ghost@nowhere.test'), 'nothing written for a refusal');
  });

  t.test('topic lists show the names people have now: renamed, or gone', async (t) => {
    const category = await h.publicCategory('Renames');
    const writer = await h.user('old-name');
    const replier = await h.user('replier');
    const topic = (await writer.post('/api/topics', { title: 'A topic by someone who renames', categoryId: category.id, raw: 'Hello everyone.' })).json().topic;
    await replier.post(`/api/t/${topic.id}/posts`, { raw: 'Welcome!' });
    const row = async () => (await alice.json(`/api/c/${category.id}`)).topics.find((x: { id: number }) => x.id === topic.id);
    t.match(await row(), { author: 'old-name', lastPoster: 'replier', authorId: writer.user!.id, postsCount: 2 });
    // A staged account claimed with a new username is renamed this way, in one update.
    await h.core.db.updateTable('users').set({ username: 'new-name', username_lower: 'new-name' }).where('id', '=', writer.user!.id).execute();
    t.match(await row(), { author: 'new-name', lastPoster: 'replier' }, 'a rename shows in the lists at once');
    await h.core.db.deleteFrom('users').where('id', '=', replier.user!.id).execute();
    t.match(await row(), { author: 'new-name', lastPoster: null }, 'and an account removed leaves no stale name');
  });
});
