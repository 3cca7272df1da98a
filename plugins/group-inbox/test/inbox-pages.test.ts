import t from 'tap';
import { PostType } from '../../../core/plugin-api.ts';
import { mail, setup } from './inbox-setup.ts';

t.test('archiving, and the customer\'s next mail bringing the message back', async (t) => {
  const { h, admin, alice, bob, receive } = await setup(t);
  const first = await receive(mail({ from: 'carol@customer.test', messageId: 'a1@customer.test' }));
  const topicId = first.topicId!;
  t.equal((await alice.put(`/api/group-inbox/support/messages/${topicId}`, { archived: true })).statusCode, 200);
  t.same((await bob.json('/api/group-inbox/support')).counts, { inbox: 0, new: 0, unread: 0, archive: 1, spam: 0 }, 'archived for the whole group');
  t.same((await bob.json('/api/group-inbox/support?filter=archive')).topics.map((x: { id: number }) => x.id), [topicId]);
  await bob.post(`/api/t/${topicId}/posts`, { raw: 'A note from bob, still archived.' });
  t.equal((await alice.json('/api/group-inbox/support')).counts.archive, 1, 'a member\'s reply leaves it archived');
  await admin.post(`/api/t/${topicId}/posts`, { raw: 'An admin outside the group answers.' });
  await h.core.services.posts.addSmallAction(await h.core.services.users.viewerFor(admin.user!), topicId, { actionCode: 'test.noted', text: 'noted this', staffOnly: true });
  t.equal((await alice.json('/api/group-inbox/support')).counts.archive, 1, 'so do staff from outside the group, and small actions: none of them is the customer writing');
  const again = await receive(mail({ from: 'carol@customer.test', messageId: 'a2@customer.test', headers: { 'In-Reply-To': '<a1@customer.test>' } }));
  t.equal(again.topicId, topicId);
  const counts = (await alice.json('/api/group-inbox/support')).counts;
  t.same({ inbox: counts.inbox, archive: counts.archive }, { inbox: 1, archive: 0 }, 'a new mail from the customer brings it back to the inbox');
  const filtered = await alice.get('/g/support/messages?filter=inbox&assigned=me');
  t.match(filtered.body, /href="\/g\/support\/messages\?assigned(=|&#x3D;)me&amp;filter(=|&#x3D;)archive"/, 'the tabs keep the other filters (a plugin\'s assigned=…)');
  const page = await alice.get('/g/support/messages?filter=inbox');
  t.equal(page.statusCode, 200);
  t.match(page.body, /data-count="inbox">1</);
  t.match(page.body, new RegExp(`data-topic-id="${topicId}"`));
  const archived = await alice.post(`/g/support/messages/${topicId}/archive`, { back: '/g/support/messages' });
  t.equal(archived.statusCode, 303, 'the archive button works without scripts');
  t.equal((await alice.json('/api/group-inbox/support')).counts.archive, 1);
});

t.test('staff make a group message public; whispers stay hidden', async (t) => {
  const { h, admin, alice, mallory, receive } = await setup(t);
  const category = await h.publicCategory('Solved cases');
  const first = await receive(mail({ from: 'kim@customer.test', body: 'How do I reset my password?' }));
  await alice.post(`/api/t/${first.topicId}/posts`, { raw: 'Use the link on the login page.' });
  await h.core.db.insertInto('posts').values({ topic_id: first.topicId!, user_id: alice.user!.id, post_number: 3, raw: 'Whisper: this user asks every week', cooked: '<p>Whisper: this user asks every week</p>', post_type: PostType.whisper, via: 'web' }).execute();
  await h.core.db.updateTable('topics').set({ highest_staff_post_number: 3 }).where('id', '=', first.topicId!).execute();
  t.equal((await alice.put(`/api/t/${first.topicId}/public`, { categoryId: category.id })).statusCode, 403, 'members who are not staff cannot');
  t.equal((await mallory.get(`/api/t/${first.topicId}`)).statusCode, 404);
  const moved = await admin.put(`/api/t/${first.topicId}/public`, { categoryId: category.id });
  t.equal(moved.statusCode, 200, moved.body);
  t.equal(moved.json().topic.archetype, 'regular');
  const seen = await mallory.json(`/api/t/${first.topicId}`);
  const raws = seen.posts.map((p: { raw: string }) => p.raw);
  t.ok(raws.includes('How do I reset my password?') && raws.includes('Use the link on the login page.'), 'anyone who may read the category reads it');
  t.notOk(raws.some((r: string) => r.includes('Whisper')), 'but never the whisper');
  const page = await admin.get(`/t/x/${first.topicId}`);
  t.match(page.body, /made this message a public topic/);
});

t.test('a member\'s own messages keep the group\'s apart, under "My groups"', async (t) => {
  const { alice, bob, receive } = await setup(t);
  const first = await receive(mail({ from: 'pat@customer.test', subject: 'Group mail for support' }));
  await bob.post('/api/messages', { title: 'Lunch on Friday?', raw: 'Just for you, Alice.', usernames: ['alice'] });
  const page = await alice.get('/u/alice/messages');
  t.match(page.body, /data-my-groups>My groups:<\/span><a href="\/u\/alice\/messages\/group\/support"/, 'the group\'s tab under "My groups"');
  t.notMatch(page.body, /Group mail for support/, 'the direct inbox holds only what was sent to her');
  t.match(page.body, /Lunch on Friday\?/);
  const tab = await alice.get('/u/alice/messages/group/support');
  t.match(tab.body, new RegExp(`data-topic-id="${first.topicId}"`), 'the group\'s messages are in its tab');
});

t.test('admins edit a group\'s inbox settings in the browser; an address belongs to one group', async (t) => {
  const { h, admin, alice } = await setup(t);
  t.match((await admin.get('/admin/groups/support')).body, /href="\/admin\/group-inbox\/support"/, 'the group\'s admin page links to its inbox settings');
  t.equal((await alice.get('/admin/group-inbox/support')).statusCode, 404, 'not for members');
  const form = await admin.get('/admin/group-inbox/support');
  t.equal(form.statusCode, 200);
  t.match(form.body, /value="support@forum\.test, help@acme\.test"/);
  const bad = await admin.post('/admin/group-inbox/support', { addresses: 'support@forum.test, not-an-address', fromName: 'Acme', ccCap: '5' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /&quot;not-an-address&quot; is not an email address/);
  t.match(bad.body, /value="support@forum\.test, not-an-address"/, 'what was typed stays in the form');
  await h.core.services.groups.create({ name: 'sales' });
  const taken = await admin.put('/api/group-inbox/sales/settings', { addresses: ['support@forum.test'] });
  t.equal(taken.statusCode, 409);
  t.match(taken.json().error?.message ?? taken.body, /already reaches the group @support/);
  const saved = await admin.post('/admin/group-inbox/support', { addresses: 'desk@forum.test', fromName: 'The Desk', fromAddress: 'desk@forum.test', ccCap: '3', allowUnknownRepliers: 'true' });
  t.equal(saved.statusCode, 303);
  const settings = (await admin.json('/api/group-inbox/support/settings')).settings;
  t.same({ addresses: settings.addresses, fromName: settings.fromName, ccCap: settings.ccCap, allow: settings.allowUnknownRepliers }, { addresses: ['desk@forum.test'], fromName: 'The Desk', ccCap: 3, allow: true });
});

t.test('who hears of a new mail and of a reply: members by their level, participants at high priority', async (t) => {
  const { h, alice, bob, receive } = await setup(t);
  const heard: Array<{ userId: number; type: string; high: boolean }> = [];
  h.core.hooks.onAction('notification-created', ({ notification }) => { heard.push({ userId: notification.user_id, type: notification.notification_type, high: notification.high_priority }); });
  const bobViewer = await h.core.services.users.viewerFor(bob.user!);
  await h.core.services.groups.setNotificationLevel(bobViewer, 'support', 0);
  const first = await receive(mail({ from: 'quinn@customer.test', messageId: 'q1@customer.test' }));
  t.same(heard.map((n) => [n.userId, n.type, n.high]), [[alice.user!.id, 'private_message', false]],
    'alice (watching, the default) hears of it at normal priority; bob muted the group');
  heard.length = 0;
  t.equal((await alice.post(`/api/t/${first.topicId}/posts`, { raw: 'We are on it, Quinn.' })).statusCode, 201);
  const quinn = (await h.core.services.users.findByEmail('quinn@customer.test'))!;
  t.notOk(heard.some((n) => n.userId === quinn.id), 'a staged customer gets no web notification (they cannot log in)');
  const toQuinn = await h.core.db.selectFrom('outgoing_emails').select('kind').where('user_id', '=', quinn.id).execute();
  t.same(toQuinn.map((m) => m.kind), ['notification'], 'but the reply by mail');
  heard.length = 0;
  await receive(mail({ from: 'quinn@customer.test', messageId: 'q2@customer.test', headers: { 'In-Reply-To': '<q1@customer.test>' } }));
  t.same(heard.filter((n) => n.userId === alice.user!.id).map((n) => n.high), [true], 'alice replied, so she is a participant now: high priority');
  t.notOk(heard.some((n) => n.userId === bob.user!.id), 'bob still hears nothing');
});
