import t from 'tap';
import { definePlugin, type ActionHooks, type FilterHooks } from '../../core/plugin-api.ts';
import { testApp } from '../helpers/app.ts';

/** What each core hook carries, recorded by a plugin that listens to all of them. */
function recorder() {
  const actions: { [K in keyof ActionHooks]?: ActionHooks[K][] } = {};
  const filters: { [K in keyof FilterHooks]?: { value: FilterHooks[K]['value']; context: FilterHooks[K]['context'] }[] } = {};
  const plugin = definePlugin({
    name: 'hook-recorder', version: '1.0.0',
    register(ctx) {
      const actionNames = ['user-provisioned', 'message-created', 'topic-created', 'post-edited', 'user-added-to-group', 'notification-created'] as const;
      for (const name of actionNames) ctx.hooks.onAction(name, (p) => { (actions[name] ??= [] as never[]).push(p as never); });
      const filterNames = ['notification-dispatch', 'topic-visibility', 'post-visibility', 'topic-list-query', 'topic-suggestions'] as const;
      for (const name of filterNames) {
        ctx.hooks.onFilter(name, (value: any, context: any) => { (filters[name] ??= [] as never[]).push({ value, context } as never); return value; });
      }
    },
  });
  return { plugin, actions, filters };
}

t.test('each core hook fires with the payload its documentation promises', async (t) => {
  const rec = recorder();
  const h = await testApp({ plugins: [rec.plugin] });
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const bob = await h.user('bob');

  const provisioned = rec.actions['user-provisioned']!;
  t.same(provisioned.map((p) => [p.user.username, p.source, p.email]), [['alice', 'admin', 'alice@example.com'], ['bob', 'admin', 'bob@example.com']]);

  const sent = (await alice.post('/api/messages', { title: 'A question for bob', raw: 'Hello there @bob', usernames: ['bob'] })).json();
  const created = rec.actions['message-created']![0];
  t.equal(created.topic.id, sent.topic.id);
  t.equal(created.post.post_number, 1);
  t.equal(created.archetype, 'private_message');
  t.equal(created.via, 'web');
  t.equal(created.isFirstPost, true);
  t.equal(rec.actions['topic-created']![0].firstPost.id, sent.post.id);

  const dispatch = rec.filters['notification-dispatch']![0];
  t.same(dispatch.value.map((d) => ({ userId: d.userId, type: d.type, high: d.highPriority })), [{ userId: bob.user!.id, type: 'mentioned', high: true }],
    'bob is planned once, as mentioned, and high priority because it is a message to him');
  t.same(dispatch.value[0].channels, ['web', 'live', 'email']);
  t.equal(dispatch.context.actorId, alice.user!.id);

  const note = rec.actions['notification-created']![0];
  t.equal(note.notification.user_id, bob.user!.id);
  t.equal(note.notification.high_priority, true);

  await bob.post(`/api/t/${sent.topic.id}/posts`, { raw: 'Thanks, answered.' });
  t.equal(rec.actions['message-created']!.length, 2);
  t.equal(rec.actions['message-created']![1].isFirstPost, false);
  t.equal(rec.actions['topic-created']!.length, 1, 'a reply is not a new topic');

  const edited = await alice.put(`/api/posts/${sent.post.id}`, { raw: 'Hello there @bob (edited)' });
  t.equal(edited.statusCode, 200, edited.body);
  const edit = rec.actions['post-edited']![0];
  t.equal(edit.rawBefore, 'Hello there @bob');
  t.equal(edit.post.raw, 'Hello there @bob (edited)');
  t.equal(edit.editorId, alice.user!.id);

  await bob.json('/api/messages/inbox');
  const visibility = rec.filters['topic-visibility']!.at(-1)!;
  t.equal(visibility.context.viewer.id, bob.user!.id);
  t.equal(visibility.context.scope.archetype, 'private_message', 'the inbox asks only about messages');
  t.ok(visibility.value.grants.length > 0);
  const listQuery = rec.filters['topic-list-query']!.at(-1)!;
  t.equal(listQuery.context.list, 'inbox');

  await bob.json(`/api/t/${sent.topic.id}`);
  t.equal(rec.filters['post-visibility']!.at(-1)!.context.viewer.id, bob.user!.id);

  await bob.json(`/api/t/${sent.topic.id}/suggested`);
  const suggestions = rec.filters['topic-suggestions']!.at(-1)!;
  t.equal(suggestions.context.topic.id, sent.topic.id);
  t.equal(suggestions.context.limit, 5);
});

t.test('suggestions from a plugin reach only viewers who may see them', async (t) => {
  const h = await testApp({ plugins: [definePlugin({
    name: 'suggest-everything', version: '1.0.0',
    register(ctx) {
      ctx.hooks.onFilter('topic-suggestions', async (value) => {
        const all = await ctx.db.selectFrom('topics').select('id').orderBy('id').execute();
        return [...value, ...all.map((r) => ({ topicId: r.id, reason: 'everything' }))];
      });
    },
  })] });
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const carol = await h.user('carol');
  const one = (await alice.post('/api/messages', { title: 'First for bob', raw: 'hello bob', usernames: ['bob'] })).json();
  const two = (await alice.post('/api/messages', { title: 'Second for bob', raw: 'hello again', usernames: ['bob'] })).json();
  const secret = (await alice.post('/api/messages', { title: 'Only for carol', raw: 'private', usernames: ['carol'] })).json();
  const seen = (await bob.json(`/api/t/${one.topic.id}/suggested`)).suggested.map((s: { topic: { id: number } }) => s.topic.id);
  t.same(seen, [two.topic.id], "bob gets his other message, never carol's, never the topic itself");
  t.notOk(seen.includes(secret.topic.id));
  t.equal((await carol.get(`/api/t/${one.topic.id}/suggested`)).statusCode, 404, 'no suggestions under a topic one may not see');
});
