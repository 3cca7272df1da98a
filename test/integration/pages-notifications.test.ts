import t from 'tap';
import { testApp } from '../helpers/app.ts';

const items = (body: string) => [...body.matchAll(/<li class="(notification[^"]*)" data-notification-id="\d+">([\s\S]*?)<\/li>/g)].map((m) => ({ cls: m[1]!, html: m[2]! }));

t.test('notifications page: newest first, high priority stands out, read only when asked', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const general = await h.publicCategory();
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const carol = await h.user('carol');
  const topic = await bob.post('/api/topics', { title: 'Garden party planning', raw: 'What do you think, @alice?', categoryId: general.id });
  t.equal(topic.statusCode, 201);
  const message = await bob.post('/api/messages', { title: 'Your invoice is overdue', raw: 'Please have a look soon.', usernames: ['alice'] });
  t.equal(message.statusCode, 201);
  t.equal((await alice.post('/api/messages', { title: 'Only for carol', raw: 'Carol, this one is yours.', usernames: ['carol'] })).statusCode, 201);

  const page = await alice.get('/notifications');
  t.equal(page.statusCode, 200);
  const shown = items(page.body);
  t.equal(shown.length, 2, "only alice's own notifications");
  t.match(shown[0]!.html, /<a href="\/t\/\d+#post-1">Your invoice is overdue<\/a>/, 'newest first, linked to the post');
  t.match(shown[0]!.cls, /\bhigh\b/, 'a private message is high priority and carries the distinct class');
  t.match(shown[0]!.cls, /\bunread\b/);
  t.match(shown[0]!.html, '<span class="kind">Message</span>');
  t.match(shown[0]!.html, 'high priority', 'said in words too, not only in colour');
  t.match(shown[0]!.html, 'from bob');
  t.match(shown[0]!.html, /<time datetime="[^"]+"[^>]*>just now<\/time>/);
  t.match(shown[1]!.html, 'Garden party planning');
  t.match(shown[1]!.html, '<span class="kind">Mention</span>');
  t.notMatch(shown[1]!.cls, /\bhigh\b/, 'a mention is not high priority');
  t.notMatch(page.body, 'Only for carol');
  t.match(page.body, '2 unread notifications, 1 high priority.');

  const counts = await alice.json('/api/notifications');
  t.equal(counts.unread, 2, 'opening the page marked nothing read');

  const marked = await alice.post('/notifications/read', {});
  t.equal(marked.statusCode, 303);
  t.equal(marked.headers.location, '/notifications');
  const after = await alice.get('/notifications');
  t.match(after.body, /class="flash notice"[^>]*>All notifications are marked read\./);
  t.notMatch(items(after.body).map((i) => i.cls).join(' '), 'unread', 'nothing is unread any more');
  t.equal(items(after.body).length, 2, 'the notifications are still listed');
  t.match(after.body, 'You are all caught up.');
  t.notMatch(after.body, 'Mark all read');
  t.equal((await carol.json('/api/notifications')).unread, 1, "carol's stay unread");

  const anon = await h.anonymous();
  const visitor = await anon.get('/notifications');
  t.equal(visitor.statusCode, 303);
  t.equal(visitor.headers.location, '/login?next=/notifications');
  t.equal((await anon.post('/notifications/read', {})).statusCode, 401);
});

t.test('older notifications are a page away', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const rows = Array.from({ length: 53 }, (_, i) => ({ user_id: alice.user!.id, notification_type: 'mentioned', topic_id: null, post_number: null, data: JSON.stringify({ topicTitle: `Topic ${i}` }) as unknown as Record<string, unknown> }));
  await h.core.db.insertInto('notifications').values(rows).execute();
  const first = await alice.get('/notifications');
  t.equal(items(first.body).length, 50);
  t.match(first.body, 'Topic 52');
  const next = /href="(\/notifications\?before(?:=|&#x3D;)\d+)" rel="next"/.exec(first.body);
  t.ok(next, 'a link to older ones');
  const second = await alice.get(next![1]!.replace('&#x3D;', '='));
  t.same(items(second.body).map((i) => /Topic \d+/.exec(i.html)![0]), ['Topic 2', 'Topic 1', 'Topic 0']);
});
