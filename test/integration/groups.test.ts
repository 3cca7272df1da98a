import t from 'tap';
import { testApp } from '../helpers/app.ts';

t.test('groups: admins create and manage, members see what their visibility allows', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const anon = await h.anonymous();
  const heard: unknown[] = [];
  h.core.hooks.onAction('user-added-to-group', (p) => { heard.push(p); });

  t.test('an admin creates groups; names are checked', async (t) => {
    const res = await admin.post('/api/groups', { name: 'support', full_name: 'Support team', visibility: 'members' });
    t.equal(res.statusCode, 201, res.body);
    t.equal(res.json().group.full_name, 'Support team');
    t.equal((await admin.post('/api/groups', { name: 'public-club' })).statusCode, 201);
    const dup = await admin.post('/api/groups', { name: 'SUPPORT' });
    t.equal(dup.statusCode, 409);
    t.match(dup.json().message, /already exists/);
    const reserved = await admin.post('/api/groups', { name: 'everyone' });
    t.equal(reserved.statusCode, 400);
    t.match(reserved.json().message, /reserved/);
    const bad = await admin.post('/api/groups', { name: 'a b' });
    t.equal(bad.statusCode, 400);
    t.match(bad.json().message, /Group names are 3 to 40/);
    const badVis = await admin.post('/api/groups', { name: 'other', visibility: 'secret' });
    t.equal(badVis.statusCode, 400);
    t.match(badVis.json().message, /visibility/);
    t.equal((await alice.post('/api/groups', { name: 'mine' })).statusCode, 403, 'members cannot create groups');
    t.equal((await anon.post('/api/groups', { name: 'mine' })).statusCode, 401);
    const names = (await h.core.db.selectFrom('groups').select('name').execute()).map((g) => g.name).sort();
    t.same(names, ['everyone', 'public-club', 'support'], 'nothing written by the bad requests');
  });

  t.test('adding members fires user-added-to-group after commit; unknown names add nobody', async (t) => {
    const unknown = await admin.post('/api/groups/support/members', { usernames: ['alice', 'nobody-here'] });
    t.equal(unknown.statusCode, 400);
    t.match(unknown.json().message, /No user is called nobody-here/);
    t.equal(heard.length, 0);
    const res = await admin.post('/api/groups/support/members', { usernames: ['Alice'] });
    t.equal(res.statusCode, 200, res.body);
    t.same(res.json().added, ['alice']);
    t.match(heard, [{ userId: alice.user!.id, owner: false, actorId: admin.user!.id }]);
    const again = await admin.post('/api/groups/support/members', { usernames: ['alice'] });
    t.same(again.json().added, [], 'already a member: nothing added, no hook');
    t.equal(heard.length, 1);
  });

  t.test('members-only groups are hidden from non-members and visitors', async (t) => {
    t.same((await alice.json('/api/groups')).groups.map((g: { name: string }) => g.name), ['public-club', 'support']);
    t.same((await bob.json('/api/groups')).groups.map((g: { name: string }) => g.name), ['public-club']);
    t.same((await anon.json('/api/groups')).groups.map((g: { name: string }) => g.name), ['public-club'], "'everyone' is never listed");
    t.equal((await bob.get('/api/groups/support')).statusCode, 404);
    t.equal((await bob.get('/api/groups/support/members')).statusCode, 404);
    t.equal((await anon.get('/api/groups/everyone')).statusCode, 404);
    t.equal((await alice.json('/api/groups/support')).group.user_count, 1);
  });

  t.test('owners add members; others cannot', async (t) => {
    t.equal((await alice.post('/api/groups/support/members', { usernames: ['bob'] })).statusCode, 403);
    t.equal((await alice.put('/api/groups/support/owners/alice', { owner: true })).statusCode, 403, 'only admins make owners');
    t.equal((await admin.put('/api/groups/support/owners/alice', { owner: true })).statusCode, 200);
    const res = await alice.post('/api/groups/support/members', { usernames: ['bob'] });
    t.same(res.json().added, ['bob']);
    t.equal((await admin.put('/api/groups/support/owners/admin', { owner: true })).statusCode, 404, 'owners must be members');
  });

  t.test('member lists never show staged users', async (t) => {
    await h.core.services.users.create({ username: 'staged1', email: 'staged1@example.com', staged: true }, 'staged');
    t.equal((await admin.post('/api/groups/support/members', { usernames: ['staged1'] })).statusCode, 200);
    const page = await admin.json('/api/groups/support/members');
    t.same(page.members.map((m: { username: string }) => m.username), ['alice', 'bob']);
    t.equal(page.total, 2);
    t.equal(page.members[0].owner, true, 'owners first');
  });

  t.test('a member sets their own notification level; a non-member cannot', async (t) => {
    t.equal((await bob.put('/api/groups/support/notification-level', { level: 1 })).statusCode, 200);
    const row = await h.core.db.selectFrom('group_users').select('notification_level').where('user_id', '=', bob.user!.id).executeTakeFirstOrThrow();
    t.equal(row.notification_level, 1);
    t.equal((await bob.put('/api/groups/support/notification-level', { level: 7 })).statusCode, 400);
    t.equal((await admin.put('/api/groups/public-club/notification-level', { level: 1 })).statusCode, 403);
  });

  t.test('removing: a member leaves, an owner removes, a stranger cannot', async (t) => {
    const carol = await h.user('carol');
    t.equal((await carol.delete('/api/groups/support/members/bob')).statusCode, 404, 'carol cannot even see the group');
    t.equal((await bob.delete('/api/groups/support/members/bob')).statusCode, 200);
    t.equal((await alice.json('/api/groups/support')).group.user_count, 1);
    t.equal((await alice.delete('/api/groups/support/members/bob')).statusCode, 404, 'already gone');
  });

  t.test('admins update groups; renaming keeps names unique', async (t) => {
    const res = await admin.put('/api/groups/public-club', { name: 'club', description: 'All welcome', visibility: 'logged_in' });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().group.name, 'club');
    t.same((await anon.json('/api/groups')).groups, [], 'logged-in-only groups are hidden from visitors');
    t.equal((await admin.put('/api/groups/club', { name: 'Support' })).statusCode, 409);
    t.equal((await admin.put('/api/groups/club', {})).statusCode, 400);
    t.equal((await alice.put('/api/groups/club', { description: 'x' })).statusCode, 403);
  });
});
