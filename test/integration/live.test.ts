import t, { type Test } from 'tap';
import { inTransaction } from '../../core/db/unit-of-work.ts';
import { PostType } from '../../core/posts/posts.table.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { liveClient, type LiveMessage } from '../helpers/live-client.ts';

const postCreated = (topicId: number, postNumber?: number) => (m: LiveMessage) =>
  m.channel === `/topic/${topicId}` && m.payload?.type === 'post-created' && (postNumber === undefined || m.payload.postNumber === postNumber);

async function setup(t: Test): Promise<TestApp & { address: string; categoryId: number }> {
  const h = await testApp();
  t.teardown(() => h.close());
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const category = await h.core.services.categories.create({ name: 'General', permissions: [{ group: 'everyone', permission: 'create' }] });
  return Object.assign(h, { address, categoryId: category.id });
}

t.test('a reply appears within a second for someone watching the topic, and the replied-to author hears of it', async (t) => {
  const h = await setup(t);
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const topic = (await alice.post('/api/topics', { title: 'Live topic', raw: 'first post', categoryId: h.categoryId })).json().topic;
  const aliceLive = await liveClient(h.address, alice.sessionToken!, `?topic=${topic.id}`);
  t.teardown(() => aliceLive.close());
  const started = Date.now();
  await bob.post(`/api/t/${topic.id}/posts`, { raw: 'a live reply', replyToPostNumber: 1 });
  const event = await aliceLive.waitFor(postCreated(topic.id, 2), 1000);
  t.ok(Date.now() - started < 1000, 'within one second');
  t.equal(event.payload.userId, bob.user!.id);
  const note = await aliceLive.waitFor((m) => m.channel === `/notifications/${alice.user!.id}` && m.payload?.type === 'notification');
  t.equal(note.payload.notification.notification_type, 'replied', 'the bell learns of the reply');
});

t.test('a non-participant gets nothing of a private message: no events, no presence, no watching', async (t) => {
  const h = await setup(t);
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const mallory = await h.user('mallory');
  const malloryLive = await liveClient(h.address, mallory.sessionToken!, '?lists=1');
  t.teardown(() => malloryLive.close());
  const pm = (await alice.post('/api/messages', { title: 'Private plans', raw: 'secret words', usernames: ['bob'] })).json().topic;
  malloryLive.send({ type: 'watch-topic', topicId: pm.id });
  await malloryLive.waitFor((m) => m.type === 'error');
  await bob.post(`/api/t/${pm.id}/posts`, { raw: 'secret reply' });
  t.ok(await malloryLive.expectNone((m) => JSON.stringify(m).includes(`/topic/${pm.id}`) || JSON.stringify(m).includes('secret')), 'nothing about the message reaches mallory');
  const bobLive = await liveClient(h.address, bob.sessionToken!, '?lists=1');
  t.teardown(() => bobLive.close());
  await alice.post(`/api/t/${pm.id}/posts`, { raw: 'another one' });
  await bobLive.waitFor(postCreated(pm.id, 3));
  t.pass('a participant watching the lists receives it');
});

t.test('after a dropped connection the browser catches up from its last event id', async (t) => {
  const h = await setup(t);
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const topic = (await alice.post('/api/topics', { title: 'Catch up', raw: 'first post', categoryId: h.categoryId })).json().topic;
  const first = await liveClient(h.address, alice.sessionToken!, `?topic=${topic.id}`);
  const hello = await first.waitFor((m) => m.type === 'hello');
  await first.close();
  await bob.post(`/api/t/${topic.id}/posts`, { raw: 'while you were away' });
  await bob.post(`/api/t/${topic.id}/posts`, { raw: 'and again' });
  const again = await liveClient(h.address, alice.sessionToken!, `?topic=${topic.id}&since=${hello.lastEventId}`);
  t.teardown(() => again.close());
  const missed = await again.waitFor(postCreated(topic.id, 2));
  t.equal(missed.replay, true);
  await again.waitFor(postCreated(topic.id, 3));
  const order = again.messages.filter(postCreated(topic.id)).map((m) => m.payload.postNumber);
  t.same(order, [2, 3], 'in order, nothing missed, nothing twice');
});

t.test('a whisper reaches staff but not a member watching the same topic', async (t) => {
  const h = await setup(t);
  const admin = await h.user('boss', { admin: true });
  const member = await h.user('member');
  const topic = (await member.post('/api/topics', { title: 'Whisper test', raw: 'question', categoryId: h.categoryId })).json().topic;
  const memberLive = await liveClient(h.address, member.sessionToken!, `?topic=${topic.id}`);
  const adminLive = await liveClient(h.address, admin.sessionToken!, `?topic=${topic.id}`);
  t.teardown(async () => { await memberLive.close(); await adminLive.close(); });
  const viewer = await h.core.services.users.viewerFor(admin.user!);
  await inTransaction(h.core, async (work) => {
    const locked = await work.trx.selectFrom('topics').selectAll().where('id', '=', topic.id).forUpdate().executeTakeFirstOrThrow();
    await h.core.services.posts.create(work, locked, viewer, { raw: 'staff only note', postType: PostType.whisper });
  });
  await adminLive.waitFor(postCreated(topic.id, 2));
  t.ok(await memberLive.expectNone(postCreated(topic.id, 2)), 'the member never hears of the whisper');
});

t.test('presence: who is viewing and who is replying shows to others on the topic', async (t) => {
  const h = await setup(t);
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const topic = (await alice.post('/api/topics', { title: 'Presence', raw: 'hello there', categoryId: h.categoryId })).json().topic;
  const aliceLive = await liveClient(h.address, alice.sessionToken!, `?topic=${topic.id}`);
  const bobLive = await liveClient(h.address, bob.sessionToken!, `?topic=${topic.id}`);
  t.teardown(async () => { await aliceLive.close(); await bobLive.close(); });
  const bobIs = (state: string | null) => (m: LiveMessage) => m.type === 'presence-list' && m.topicId === topic.id &&
    (state === null ? !(m.entries as { username: string }[]).some((e) => e.username === 'bob') : (m.entries as { username: string; state: string }[]).some((e) => e.username === 'bob' && e.state === state));
  await aliceLive.waitFor(bobIs('viewing'));
  bobLive.send({ type: 'presence', topicId: topic.id, state: 'replying' });
  await aliceLive.waitFor(bobIs('replying'));
  aliceLive.messages.length = 0;
  await bobLive.close();
  await aliceLive.waitFor(bobIs(null));
  t.pass('viewing, replying, gone');
});

t.test('a visitor gets no live connection', async (t) => {
  const h = await setup(t);
  await t.rejects(liveClient(h.address, 'not-a-session'), 'closed before hello');
});
