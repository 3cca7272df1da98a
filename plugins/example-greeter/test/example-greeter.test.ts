import t, { type Test } from 'tap';
import type { NotificationChannel } from '../../../core/plugin-api.ts';
import { ParleyError } from '../../../core/plugin-api.ts';
import { testApp, type Client, type TestApp } from '../../../test/helpers/app.ts';
import greeter from '../index.ts';

interface Heard { userId: number; reason: string; channels: NotificationChannel[] }

/** An app with the greeter, a public category, and a record of every notification written. */
async function setup(t: Test) {
  const h = await testApp({ plugins: [greeter] });
  t.teardown(() => h.close());
  const category = await h.publicCategory();
  const heard: Heard[] = [];
  h.core.hooks.onAction('notification-created', ({ notification, channels }) => {
    heard.push({ userId: notification.user_id, reason: String((notification.data as { reason?: string }).reason), channels });
  });
  const greeted: { greeting: string; viewerId: number | null }[] = [];
  // Typed through the plugin's declaration merging: an unknown hook name would not compile.
  h.core.hooks.onAction('greeter-greeted', (payload) => { greeted.push(payload); });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const created = await alice.post('/api/topics', { title: 'Greetings everyone', raw: 'First post of the topic', categoryId: category.id });
  t.equal(created.statusCode, 201, created.body);
  return { h, alice, bob, topicId: created.json().topic.id as number, heard, greeted };
}

const logRows = (h: TestApp) => h.core.db.selectFrom('example_greeter_log' as never).selectAll().execute() as Promise<Array<{ post_id: number; topic_id: number; first_post: boolean }>>;

/** Bob mentions Alice; returns what Alice's notification looked like (or undefined). */
async function mentionAlice(t: Test, s: { bob: Client; alice: Client; topicId: number; heard: Heard[] }): Promise<Heard | undefined> {
  s.heard.length = 0;
  const res = await s.bob.post(`/api/t/${s.topicId}/posts`, { raw: 'Nice to meet you @alice' });
  t.equal(res.statusCode, 201, res.body);
  return s.heard.find((n) => n.userId === s.alice.user!.id);
}

t.test('the greeter migrates its own table into its own ledger', async (t) => {
  const { h } = await setup(t);
  const ledger = await h.core.db.selectFrom('parley_migrations_example_greeter' as never).select('name' as never).execute() as Array<{ name: string }>;
  t.same(ledger.map((r) => r.name), ['20261122010000_create_greeter_log']);
  const core = await h.core.db.selectFrom('parley_migrations' as never).select('name' as never).execute() as Array<{ name: string }>;
  t.notOk(core.some((r) => r.name.includes('greeter')), "core's ledger does not list the plugin's migration");
});

t.test('while on, the greeter logs posts, reshapes notifications, answers its route and fills the footer', async (t) => {
  const s = await setup(t);
  const { h, alice, bob } = s;
  const rows = await logRows(h);
  t.equal(rows.length, 1, 'the first post was logged');
  t.equal(rows[0]!.topic_id, s.topicId);
  t.equal(rows[0]!.first_post, true);

  const loud = await mentionAlice(t, s);
  t.ok(loud, 'alice is notified of the mention');
  t.equal(loud!.reason, 'mentioned+greeter', 'the greeter tagged the dispatch');
  t.ok(loud!.channels.includes('email'), 'alice is not quiet yet: email stays');
  t.equal((await logRows(h)).length, 2, 'the reply was logged too');

  await h.core.plugins.updateSettings('example-greeter', { quietUserIds: [alice.user!.id] });
  const quiet = await mentionAlice(t, s);
  t.same(quiet!.channels, ['web', 'live'], 'a quiet user loses the email channel only');

  const hello = await bob.get('/greeter/hello');
  t.equal(hello.statusCode, 200);
  t.same(hello.json(), { greeting: 'Hello from Parley!' }, 'the default greeting');
  t.same(s.greeted, [{ greeting: 'Hello from Parley!', viewerId: bob.user!.id }], "the plugin's own action fired");

  await h.core.plugins.updateSettings('example-greeter', { greeting: 'Welcome <friends>' });
  t.same((await bob.json('/greeter/hello')), { greeting: 'Welcome <friends>' }, 'a changed setting applies without a restart');
  const page = await (await h.anonymous()).get('/');
  t.match(page.body, '<p class="example-greeter">Welcome &#60;friends&#62;</p>', 'the latest page footer greets, escaped');
});

t.test('a bad setting is refused with a 400 naming the setting, and nothing changes', async (t) => {
  const { h } = await setup(t);
  const err = await h.core.plugins.updateSettings('example-greeter', { greeting: '' }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof ParleyError, 'a ParleyError');
  t.equal((err as ParleyError).statusCode, 400);
  t.equal((err as ParleyError).code, 'PARLEY_ERR_BAD_INPUT');
  t.match((err as ParleyError).message, /greeting/);
  t.match((err as ParleyError).message, /example-greeter/);
  const wrongType = await h.core.plugins.updateSettings('example-greeter', { quietUserIds: ['bob'] } as never).then(() => null, (e: unknown) => e);
  t.equal((wrongType as ParleyError).statusCode, 400);
  t.match((wrongType as ParleyError).message, /quietUserIds/);
  const unknown = await h.core.plugins.updateSettings('example-greeter', { volume: 11 }).then(() => null, (e: unknown) => e);
  t.equal((unknown as ParleyError).statusCode, 400);
  t.match((unknown as ParleyError).message, /volume/);
  t.same(h.core.plugins.settings('example-greeter'), { greeting: 'Hello from Parley!', quietUserIds: [] }, 'the settings are unchanged');
});

t.test('turned off at runtime the greeter goes silent everywhere, and comes back when turned on', async (t) => {
  const s = await setup(t);
  const { h, alice, bob } = s;
  await h.core.plugins.updateSettings('example-greeter', { quietUserIds: [alice.user!.id] });

  await h.core.plugins.setEnabled('example-greeter', false);
  t.equal(h.core.plugins.isEnabled('example-greeter'), false);
  const before = (await logRows(h)).length;
  const plain = await mentionAlice(t, s);
  t.equal((await logRows(h)).length, before, 'no row for a new post');
  t.equal(plain!.reason, 'mentioned', 'the dispatch is not tagged');
  t.ok(plain!.channels.includes('email'), 'the quiet list no longer applies');
  t.equal((await bob.get('/greeter/hello')).statusCode, 404, 'the route is gone');
  t.same(s.greeted, [], 'no greeting fired');
  const page = await (await h.anonymous()).get('/');
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, 'example-greeter', 'the footer outlet is empty');

  await h.core.plugins.setEnabled('example-greeter', true);
  const tagged = await mentionAlice(t, s);
  t.equal((await logRows(h)).length, before + 1, 'posts are logged again');
  t.equal(tagged!.reason, 'mentioned+greeter');
  t.notOk(tagged!.channels.includes('email'), 'the quiet list applies again');
  t.equal((await bob.get('/greeter/hello')).statusCode, 200, 'the route is back');
  t.match((await (await h.anonymous()).get('/')).body, 'class="example-greeter"', 'the footer is back');
});
