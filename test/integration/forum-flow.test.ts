import t from 'tap';
import { testApp } from '../helpers/app.ts';

t.test('a member starts a topic, another replies, and the first is notified', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const category = await h.publicCategory();
  const alice = await h.user('alice');
  const bob = await h.user('bob');

  const created = await alice.post('/api/topics', { title: 'Hello world', raw: 'First post here', categoryId: category.id });
  t.equal(created.statusCode, 201, created.body);
  const topicId = created.json().topic.id;

  const reply = await bob.post(`/api/t/${topicId}/posts`, { raw: 'Welcome @alice!', replyToPostNumber: 1 });
  t.equal(reply.statusCode, 201, reply.body);

  const view = await alice.json(`/api/t/${topicId}`);
  t.equal(view.posts.length, 2);
  t.equal(view.topic.posts_count, 2);
  t.match(view.posts[1].cooked, /class="mention"/);

  const notes = await alice.json('/api/notifications');
  t.equal(notes.unread, 1, 'one notification: the mention wins over the reply');
  t.equal(notes.notifications[0].notification_type, 'mentioned');

  const latest = await bob.json('/api/latest');
  t.equal(latest.topics[0].id, topicId);
  t.equal(latest.topics[0].unreadCount, 0, 'bob has read his own reply');
  const anon = await h.anonymous();
  t.equal((await anon.json('/api/latest')).topics.length, 1, 'a public category is visible to visitors');
  t.equal((await anon.get('/')).statusCode, 200);
});

t.test('bad input is a 400 that says what to fix, and nothing is created', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const alice = await h.user('alice', { admin: true });
  const res = await alice.post('/api/topics', { title: 'x', raw: 'body text' });
  t.equal(res.statusCode, 400);
  t.match(res.json().message, /Titles need at least 3 characters/);
  const missing = await alice.post('/api/topics', { raw: 'body text' });
  t.equal(missing.statusCode, 400);
  t.match(missing.json().message, /title/);
  t.equal((await h.core.db.selectFrom('topics').select('id').execute()).length, 0);
});

t.test('watchers hear of every reply; a muted topic stays silent, except for a mention', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const category = await h.publicCategory();
  const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => h.user(n)));
  const topicId = (await alice.post('/api/topics', { title: 'Levels of attention', raw: 'Who hears of replies?', categoryId: category.id })).json().topic.id;
  t.equal((await bob.put(`/api/t/${topicId}/notification-level`, { level: 3 })).statusCode, 200, 'bob watches');
  t.equal((await carol.put(`/api/t/${topicId}/notification-level`, { level: 0 })).statusCode, 200, 'carol mutes');
  t.equal((await alice.put(`/api/t/${topicId}/notification-level`, { level: 0 })).statusCode, 200, 'alice mutes her own topic');
  await dave.post(`/api/t/${topicId}/posts`, { raw: 'A plain reply to the first post', replyToPostNumber: 1 });
  const types = async (c: typeof bob) => (await c.json('/api/notifications')).notifications.map((n: { notification_type: string }) => n.notification_type);
  t.same(await types(bob), ['posted'], 'the watcher is told');
  t.same(await types(carol), [], 'muted: nothing');
  t.same(await types(alice), [], 'muted even for a reply to her post');
  await dave.post(`/api/t/${topicId}/posts`, { raw: 'But @carol, you should see this' });
  t.same(await types(carol), ['mentioned'], 'a mention reaches someone who muted the topic');
});
