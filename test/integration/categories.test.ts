import t from 'tap';
import { testApp } from '../helpers/app.ts';

t.test('categories: admins shape them, everyone sees only what their groups grant', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const mod = await h.user('mod', { moderator: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const anon = await h.anonymous();
  await admin.post('/api/groups', { name: 'support', visibility: 'members' });
  await admin.post('/api/groups/support/members', { usernames: ['alice'] });
  const names = async (c: { json: (u: string) => Promise<any> }) => (await c.json('/api/categories')).categories.map((x: { name: string }) => x.name);

  t.test('creating with permissions; slugs are generated and unique', async (t) => {
    const general = await admin.post('/api/categories', { name: 'General Chat', permissions: [{ group: 'everyone', permission: 'create' }] });
    t.equal(general.statusCode, 201, general.body);
    t.equal(general.json().category.slug, 'general-chat');
    const again = await admin.post('/api/categories', { name: 'General chat!', permissions: [{ group: 'everyone', permission: 'see' }] });
    t.equal(again.json().category.slug, 'general-chat-2');
    await admin.post('/api/categories', { name: 'Support Desk', permissions: [{ group: 'Support', permission: 'reply' }] });
    await admin.post('/api/categories', { name: 'Staff Room' });
  });

  t.test('each viewer sees what their groups grant; no grants means staff only', async (t) => {
    t.same(await names(anon), ['General Chat', 'General chat!']);
    t.same(await names(bob), ['General Chat', 'General chat!']);
    t.same(await names(alice), ['General Chat', 'General chat!', 'Support Desk']);
    t.same(await names(mod), ['General Chat', 'General chat!', 'Support Desk', 'Staff Room']);
    const mine = (await alice.json('/api/categories')).categories;
    t.same(mine.map((c: { permission: string }) => c.permission), ['create', 'see', 'reply']);
    t.notOk('permissions' in mine[0], 'members do not see the grants');
    const staffView = (await admin.json('/api/categories')).categories;
    t.same(staffView[2].permissions, [{ group: 'support', permission: 'reply' }]);
  });

  t.test('bad input says what to fix and writes nothing', async (t) => {
    const unknown = await admin.post('/api/categories', { name: 'Ghosts', permissions: [{ group: 'ghosts', permission: 'see' }] });
    t.equal(unknown.statusCode, 400);
    t.match(unknown.json().message, /No group is called ghosts/);
    const badPerm = await admin.post('/api/categories', { name: 'Odd', permissions: [{ group: 'everyone', permission: 'own' }] });
    t.equal(badPerm.statusCode, 400);
    t.match(badPerm.json().message, /permission/);
    const blank = await admin.post('/api/categories', { name: '   ' });
    t.equal(blank.statusCode, 400);
    t.match(blank.json().message, /name/);
    t.equal((await alice.post('/api/categories', { name: 'Mine' })).statusCode, 403);
    t.equal((await anon.post('/api/categories', { name: 'Mine' })).statusCode, 401);
    t.equal((await h.core.db.selectFrom('categories').select('id').execute()).length, 4, 'nothing created');
  });

  t.test('updating permissions changes who sees the category and its topics', async (t) => {
    const staffRoom = (await admin.json('/api/categories')).categories.find((c: { name: string }) => c.name === 'Staff Room');
    const topic = await admin.post('/api/topics', { title: 'Staff only topic', raw: 'Secret plans here', categoryId: staffRoom.id });
    t.equal(topic.statusCode, 201, topic.body);
    t.equal((await bob.get(`/api/t/${topic.json().topic.id}`)).statusCode, 404);
    const res = await admin.put(`/api/categories/${staffRoom.id}`, { description: 'Now open', permissions: [{ group: 'everyone', permission: 'see' }] });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().category.description, 'Now open');
    t.ok((await names(bob)).includes('Staff Room'));
    t.equal((await bob.get(`/api/t/${topic.json().topic.id}`)).statusCode, 200, 'the guardian agrees with the list');
    t.equal((await admin.put('/api/categories/9999', { name: 'x' })).statusCode, 404);
    t.equal((await admin.put(`/api/categories/${staffRoom.id}`, {})).statusCode, 400);
    t.equal((await alice.put(`/api/categories/${staffRoom.id}`, { name: 'Mine' })).statusCode, 403);
  });

  t.test('deleting: refused while topics remain, so they never leak out as uncategorised', async (t) => {
    const cats = (await admin.json('/api/categories')).categories;
    const staffRoom = cats.find((c: { name: string }) => c.name === 'Staff Room');
    const full = await admin.delete(`/api/categories/${staffRoom.id}`);
    t.equal(full.statusCode, 409);
    t.match(full.json().message, /still holds 1 topic; move or delete/);
    const empty = cats.find((c: { slug: string }) => c.slug === 'general-chat-2');
    t.equal((await alice.delete(`/api/categories/${empty.id}`)).statusCode, 403);
    t.equal((await admin.delete(`/api/categories/${empty.id}`)).statusCode, 200);
    t.notOk((await names(admin)).includes('General chat!'));
    t.equal((await admin.delete(`/api/categories/${empty.id}`)).statusCode, 404);
  });
});
