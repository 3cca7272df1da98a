import t, { type Test } from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import suggestedTopics from '../../suggested-topics/index.ts';
import whispers from '../index.ts';

const SECRET = 'zanzibar';

/** The support inbox with a customer's message, a member (alice), a moderator, a customer with an account, and an outsider. */
async function setup(t: Test) {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers, suggestedTopics], config: { baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const mod = await h.user('mod', { moderator: true });
  const carol = await h.user('carol', { email: 'carol@customer.test' });
  const mallory = await h.user('mallory');
  await h.core.services.groups.create({ name: 'support' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice']);
  await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] });
  const first = await h.core.mail.receiver.receive(rawMail({ from: 'carol@customer.test', to: 'support@forum.test', messageId: 'w1@customer.test', subject: 'My order is late' }), { source: 'http', envelopeRecipients: ['support@forum.test'] });
  t.equal(first.status, 'created');
  return { h, admin, alice, mod, carol, mallory, topicId: first.topicId! };
}

t.test('a member of the message\'s group whispers; the customer sees no trace of it', async (t) => {
  const { h, admin, alice, mod, carol, topicId } = await setup(t);
  const before = await h.core.db.selectFrom('topics').selectAll().where('id', '=', topicId).executeTakeFirstOrThrow();
  const res = await alice.post(`/api/t/${topicId}/posts`, { raw: `Whisper: she is the ${SECRET} account, be careful`, whisper: true });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().post.post_type, 4, 'a post of type whisper');
  const after = await h.core.db.selectFrom('topics').selectAll().where('id', '=', topicId).executeTakeFirstOrThrow();
  t.same({ posts: after.posts_count, highest: after.highest_post_number, lastPoster: after.last_post_user_id, lastPosted: after.last_posted_at, bumped: after.bumped_at },
    { posts: before.posts_count, highest: before.highest_post_number, lastPoster: before.last_post_user_id, lastPosted: before.last_posted_at, bumped: before.bumped_at },
    'the post count, highest post number, last poster, last-posted time and bump do not move');

  const forCarol = await carol.get(`/api/t/${topicId}`);
  t.equal(forCarol.statusCode, 200);
  t.notMatch(forCarol.body, new RegExp(SECRET), 'the customer\'s topic view has no whisper');
  t.equal(forCarol.json().topic.highest_post_number, 1, 'nor its post number');
  t.same((await carol.json(`/api/search?q=${SECRET}`)).hits, [], 'nor does search');
  t.notMatch((await carol.get('/api/messages/inbox')).body, new RegExp(SECRET), 'nor the list');
  t.notMatch((await carol.get('/api/notifications')).body, new RegExp(SECRET), 'nor notifications');
  const mailToCarol = await h.core.db.selectFrom('outgoing_emails').select(['text_body', 'html_body']).where('to_address', 'like', '%carol@customer.test%').execute();
  t.notOk(mailToCarol.some((m) => m.text_body.includes(SECRET) || (m.html_body ?? '').includes(SECRET)), 'nor any mail to her');

  t.match((await alice.get(`/api/t/${topicId}`)).body, new RegExp(SECRET), 'the member sees it');
  t.match((await admin.get(`/api/t/${topicId}`)).body, new RegExp(SECRET), 'an admin sees it');
  t.equal((await mod.get(`/api/t/${topicId}`)).statusCode, 404, 'a moderator, who is not part of the message, sees not even the message');
  t.equal((await alice.json(`/api/search?q=${SECRET}`)).hits.length, 1, 'the member finds it');

  // Alice answers the customer out loud; the mail quotes only what Carol may see.
  await alice.post(`/api/t/${topicId}/posts`, { raw: 'Your order ships today, Carol.' });
  const reply = await h.core.db.selectFrom('outgoing_emails').select(['text_body', 'html_body']).where('to_address', 'like', '%carol@customer.test%').orderBy('id', 'desc').executeTakeFirstOrThrow();
  t.match(reply.text_body, /ships today/);
  t.notMatch(reply.text_body, new RegExp(SECRET), 'the quoted history in mail to the customer leaves the whisper out');
  t.notMatch(reply.html_body ?? '', new RegExp(SECRET));
  const page = await alice.get(`/t/x/${topicId}`);
  t.match(page.body, /class="post whisper"/, 'whispers render distinctly');
  t.match(page.body, /data-whisper-toggle/, 'the composer has a whisper toggle for the member');
  t.notMatch((await carol.get(`/t/x/${topicId}`)).body, /data-whisper-toggle/, 'and none for the customer');
});

t.test('a colleague\'s whisper is unread for the team, in every list, and never for the customer', async (t) => {
  const { h, admin, alice, carol, topicId } = await setup(t);
  const bob = await h.user('bob');
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['bob']);
  const receive = (from: string, messageId: string, subject: string) => h.core.mail.receiver.receive(rawMail({ from, to: 'support@forum.test', messageId, subject }), { source: 'http', envelopeRecipients: ['support@forum.test'] });
  const second = await receive('dave@other.test', 'w2@other.test', 'Where is my refund');
  const third = await receive('carol@customer.test', 'w3@customer.test', 'One more thing');
  for (const id of [topicId, second.topicId!]) {
    t.equal((await bob.put(`/api/t/${id}/read`, { postNumber: 1 })).statusCode, 200);
    t.equal((await admin.put(`/api/t/${id}/read`, { postNumber: 1 })).statusCode, 200);
  }
  const rowOf = (list: { topics: { id: number; unreadCount: number; highestPostNumber: number }[] }, id: number) => list.topics.find((x) => x.id === id)!;
  t.equal((await bob.json('/api/group-inbox/support')).counts.unread, 0, 'bob has read both messages');

  const whisper = (await alice.post(`/api/t/${topicId}/posts`, { raw: `Careful, the ${SECRET} account`, whisper: true })).json().post;
  const inbox = await bob.json('/api/group-inbox/support');
  t.equal(inbox.counts.unread, 1, 'the Unread tab counts the message with the whisper');
  t.same({ unread: rowOf(inbox, topicId).unreadCount, highest: rowOf(inbox, topicId).highestPostNumber }, { unread: 1, highest: whisper.post_number }, 'its row has one unread post');
  t.same((await bob.json('/api/group-inbox/support?filter=unread')).topics.map((x: { id: number }) => x.id), [topicId], 'and the Unread tab holds it');
  t.equal(rowOf(await admin.json('/api/group-inbox/support'), topicId).unreadCount, 1, 'staff count it too');
  t.equal(rowOf(await alice.json('/api/group-inbox/support'), topicId).unreadCount, 0, 'its author has read it');
  const suggested = (await bob.json(`/api/t/${second.topicId}/suggested`)).suggested as { topic: { id: number; highest_staff_post_number: number }; reason: string }[];
  t.same(suggested.filter((s) => s.topic.id === topicId).map((s) => s.reason), ['unread in this inbox'], 'suggestions under another message offer it as unread');

  const mine = await carol.json('/api/messages/inbox');
  t.same({ unread: rowOf(mine, topicId).unreadCount, highest: rowOf(mine, topicId).highestPostNumber }, { unread: 0, highest: 1 }, 'for the customer nothing is unread, and the whisper\'s number shows nowhere');
  const hers = (await carol.json(`/api/t/${third.topicId}/suggested`)).suggested as { topic: { id: number; highest_staff_post_number: number }; reason: string }[];
  t.same(hers.map((s) => [s.topic.id, s.reason, s.topic.highest_staff_post_number]), [[topicId, 'from the same person', 1]], 'nor in her suggestions');

  t.equal((await bob.put(`/api/t/${topicId}/read`, { postNumber: whisper.post_number })).statusCode, 200);
  t.equal((await bob.json('/api/group-inbox/support')).counts.unread, 0, 'read, it leaves the Unread tab');
  t.equal(rowOf(await bob.json('/api/group-inbox/support'), topicId).unreadCount, 0);
});

t.test('who may whisper, and a reply to a whisper', async (t) => {
  const { h, admin, alice, carol, mallory, topicId } = await setup(t);
  const denied = await carol.post(`/api/t/${topicId}/posts`, { raw: 'can I whisper?', whisper: true });
  t.equal(denied.statusCode, 403, 'the customer may not whisper');
  const category = await h.publicCategory('Lobby');
  const open = (await mallory.post('/api/topics', { title: 'A public question', raw: 'Anyone?', categoryId: category.id })).json().topic;
  t.equal((await alice.post(`/api/t/${open.id}/posts`, { raw: 'psst', whisper: true })).statusCode, 403, 'a member is not staff outside the group\'s messages');
  t.equal((await admin.post(`/api/t/${open.id}/posts`, { raw: 'Staff whisper in a public topic', whisper: true })).json().post.post_type, 4, 'staff whisper anywhere');
  t.notMatch((await mallory.get(`/api/t/${open.id}`)).body, /Staff whisper/);

  const whisper = (await alice.post(`/api/t/${topicId}/posts`, { raw: 'A whisper to answer', whisper: true })).json().post;
  const answer = (await alice.post(`/api/t/${topicId}/posts`, { raw: 'Answering the whisper', replyToPostNumber: whisper.post_number })).json().post;
  t.equal(answer.post_type, 4, 'a reply to a whisper is a whisper by default');
  const loud = (await alice.post(`/api/t/${topicId}/posts`, { raw: 'Answering out loud', replyToPostNumber: whisper.post_number, whisper: false })).json().post;
  t.equal(loud.post_type, 1, 'unless asked otherwise');

  // Admins name a group whose members whisper and read whispers everywhere.
  await h.core.services.groups.create({ name: 'leads' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'leads', ['mallory']);
  t.notMatch((await mallory.get(`/api/t/${open.id}`)).body, /Staff whisper/);
  await h.core.plugins.updateSettings('whispers', { allowedGroups: ['leads'] });
  t.match((await mallory.get(`/api/t/${open.id}`)).body, /Staff whisper/, 'a member of an allowed group reads whispers');
  t.equal((await mallory.post(`/api/t/${open.id}/posts`, { raw: 'and writes them', whisper: true })).statusCode, 201);

  await h.core.plugins.setEnabled('whispers', false);
  t.equal((await admin.post(`/api/t/${open.id}/posts`, { raw: 'no more whispers', whisper: true })).statusCode, 403, 'with the plugin off, nobody whispers');
  t.notMatch((await mallory.get(`/api/t/${open.id}`)).body, /Staff whisper/, 'and only staff read the old ones');
  t.match((await admin.get(`/api/t/${open.id}`)).body, /Staff whisper/);
});
