import t from 'tap';
import { browser, testApp } from '../helpers/app.ts';


t.test('group pages: members with owners marked, never staged users; hidden groups are not found', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice', { name: 'Alice Liddell' });
  const bob = await h.user('bob');
  await h.user('carol');
  t.equal((await admin.post('/api/groups', { name: 'support', full_name: 'Support desk', description: 'We answer <questions>.', messageable: 'everyone' })).statusCode, 201);
  t.equal((await admin.post('/api/groups', { name: 'inner-circle', visibility: 'members' })).statusCode, 201);
  t.equal((await admin.post('/api/groups/support/members', { usernames: ['alice', 'carol'] })).statusCode, 200);
  t.equal((await admin.put('/api/groups/support/owners/alice', { owner: true })).statusCode, 200);
  t.equal((await admin.post('/api/groups/inner-circle/members', { usernames: ['alice'] })).statusCode, 200);
  const staged = await h.core.db.insertInto('users').values({ username: 'emailonly', username_lower: 'emailonly', password_hash: null, staged: true, active: false, suspended_until: null, suspended_reason: null, last_seen_at: null })
    .returning('id').executeTakeFirstOrThrow();
  await h.core.db.insertInto('group_users').values({ group_id: (await h.core.db.selectFrom('groups').select('id').where('name', '=', 'support').executeTakeFirstOrThrow()).id, user_id: staged.id }).execute();

  const asBob = await browser(h, bob.user);
  const page = await asBob('/g/support');
  t.equal(page.statusCode, 200);
  t.match(page.body, '<h1>Support desk</h1>');
  t.match(page.body, '@support · 2 members', 'the staged member is not counted');
  t.match(page.body, 'We answer &lt;questions&gt;.', 'the description is shown, escaped');
  t.match(page.body, /href="\/u\/alice">Alice Liddell<\/a>\s*<span class="muted">@alice<\/span>\s*<span class="badge" data-owner>owner<\/span>/, 'owners are marked');
  t.match(page.body, 'href="/u/carol"');
  t.notMatch(page.body, /data-owner>owner<\/span>[\s\S]*data-owner>owner/, 'only one owner');
  t.notMatch(page.body, 'emailonly', 'staged users never appear');
  t.match(page.body, /href="\/new-message\?group(=|&#x3D;)support">Message this group</, 'messageable by everyone: a link to write');

  const anonPage = await (await browser(h, null))('/g/support');
  t.equal(anonPage.statusCode, 200, 'a public group is public');
  t.notMatch(anonPage.body, 'Message this group', 'visitors cannot write');

  const hidden = await asBob('/g/inner-circle');
  t.equal(hidden.statusCode, 404, 'a members-only group does not exist for others');
  t.match(hidden.body, 'Page not found');
  t.notMatch((await asBob('/groups')).body, 'inner-circle');

  const asAlice = await browser(h, alice.user);
  const inner = await asAlice('/g/inner-circle');
  t.equal(inner.statusCode, 200, 'members see it');
  t.notMatch(inner.body, 'Message this group', 'messageable by nobody: no link');
  t.match(inner.body, 'href="/u/alice/messages/group/inner-circle"', 'members get to the group inbox');
  const list = await asAlice('/groups');
  t.match(list.body, 'href="/g/inner-circle"');
  t.match(list.body, /href="\/g\/support">Support desk<\/a>/);
  t.equal((await asAlice('/g/no-such-group')).statusCode, 404);
});

t.test('group members are paged', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  t.equal((await admin.post('/api/groups', { name: 'crowd' })).statusCode, 201);
  const names = Array.from({ length: 55 }, (_, i) => `member${String(i).padStart(2, '0')}`);
  for (const name of names) await h.core.services.users.create({ username: name, email: `${name}@example.com`, password: 'correct horse battery' }, 'admin');
  t.equal((await admin.post('/api/groups/crowd/members', { usernames: names })).statusCode, 200);
  const first = await admin.get('/g/crowd');
  t.match(first.body, '55 members');
  t.match(first.body, 'href="/u/member49"');
  t.notMatch(first.body, 'href="/u/member50"');
  t.match(first.body, /href="\?page(=|&#x3D;)1" rel="next"/);
  const second = await admin.get('/g/crowd?page=1');
  t.match(second.body, 'href="/u/member54"');
  t.notMatch(second.body, 'href="/u/member00"');
  t.notMatch(second.body, 'rel="next"');
  t.equal((await admin.get('/g/crowd?page=abc')).statusCode, 200, 'a nonsense page is the first page');
});
