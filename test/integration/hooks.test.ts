import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { buildApp } from '../../core/app.ts';
import { definePlugin, type PluginContext } from '../../core/plugin-api.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { freshDatabase } from '../helpers/database.ts';

/** A plugin that only runs `fn` in register: the smallest thing that can own hooks. */
const plugin = (name: string, fn: (ctx: PluginContext) => void, dependsOn: string[] = []) =>
  definePlugin({ name, version: '0.0.1', dependsOn, register: fn });

async function withCategory(h: TestApp): Promise<number> {
  const c = await h.publicCategory();
  return c.id;
}

const counts = async (h: TestApp) => ({
  topics: (await h.core.db.selectFrom('topics').select('id').execute()).length,
  posts: (await h.core.db.selectFrom('posts').select('id').execute()).length,
});

async function setup(t: Test, plugins: ReturnType<typeof plugin>[], logs?: string[]) {
  const logger = logs ? { level: 'error', stream: new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }) } : false;
  const h = await testApp({ plugins, logger });
  t.teardown(() => h.close());
  const categoryId = await withCategory(h);
  const alice = await h.user('alice');
  return { h, alice, categoryId };
}

t.test('a throwing filter vetoes the whole operation: nothing is written and the error names the plugin', async (t) => {
  const { h, alice, categoryId } = await setup(t, [plugin('naysayer', (ctx) => {
    ctx.hooks.onFilter('notification-dispatch', () => { throw new Error('not today'); });
  })]);
  const res = await alice.post('/api/topics', { title: 'Doomed topic', raw: 'This never lands', categoryId });
  t.equal(res.statusCode, 422);
  t.equal(res.json().error, 'PARLEY_ERR_VETOED');
  t.equal(res.json().plugin, 'naysayer');
  t.match(res.json().message, /naysayer stopped this \(notification-dispatch\): not today/);
  t.same(await counts(h), { topics: 0, posts: 0 }, 'the topic and its first post were rolled back');
});

t.test('a throwing visibility filter refuses the read and names the plugin', async (t) => {
  const { alice } = await setup(t, [plugin('grumpy', (ctx) => {
    ctx.hooks.onFilter('topic-visibility', () => { throw new Error('closed for lunch'); });
  })]);
  const res = await alice.get('/api/latest');
  t.equal(res.statusCode, 422);
  t.equal(res.json().plugin, 'grumpy');
});

t.test('a filter that returns nothing is an error naming the plugin, and rolls back', async (t) => {
  const { h, alice, categoryId } = await setup(t, [plugin('forgetful', (ctx) => {
    ctx.hooks.onFilter('notification-dispatch', (() => undefined) as never);
  })]);
  const res = await alice.post('/api/topics', { title: 'Lost topic', raw: 'This never lands', categoryId });
  t.equal(res.statusCode, 500);
  t.equal(res.json().plugin, 'forgetful');
  t.match(res.json().message, /notification-dispatch filter of forgetful returned nothing/);
  t.same(await counts(h), { topics: 0, posts: 0 });
});

t.test('a throwing action handler is logged with plugin and hook, and the operation succeeds', async (t) => {
  const logs: string[] = [];
  const later: string[] = [];
  const { h, alice, categoryId } = await setup(t, [
    plugin('clumsy', (ctx) => { ctx.hooks.onAction('message-created', () => { throw new Error('butterfingers'); }); }),
    plugin('steady', (ctx) => { ctx.hooks.onAction('message-created', ({ post }) => { later.push(post.raw); }); }),
  ], logs);
  const res = await alice.post('/api/topics', { title: 'Survives', raw: 'Still here', categoryId });
  t.equal(res.statusCode, 201);
  t.same(await counts(h), { topics: 1, posts: 1 });
  const entry = logs.map((l) => JSON.parse(l) as Record<string, any>).find((l) => l.hook === 'message-created');
  t.ok(entry, 'the failure was logged');
  t.equal(entry?.plugin, 'clumsy');
  t.match(entry?.msg, /action hook message-created of clumsy failed/);
  t.match(entry?.err?.message, /butterfingers/);
  t.same(later, ['Still here'], 'the next handler still ran');
});

t.test('handlers run by priority, then by plugin load order (dependencies first, ties by name)', async (t) => {
  const order: string[] = [];
  const tagger = (name: string, priority?: number) => (ctx: PluginContext) => {
    ctx.hooks.onFilter('notification-dispatch', (v) => { order.push(name); return v; }, priority === undefined ? undefined : { priority });
  };
  const { alice, categoryId } = await setup(t, [
    plugin('zeta', tagger('zeta')),
    plugin('alpha', tagger('alpha'), ['zeta']),
    plugin('beta', tagger('beta')),
    plugin('early', tagger('early', 10)),
    plugin('late', tagger('late', 500)),
  ]);
  await alice.post('/api/topics', { title: 'Ordering', raw: 'Who goes first', categoryId });
  t.equal(order[0], 'early', 'a low priority number runs first');
  t.equal(order.at(-1), 'late', 'a high one runs last');
  t.ok(order.indexOf('zeta') < order.indexOf('alpha'), 'a dependency runs before its dependant, whatever the names');
  // Load order: among plugins whose dependencies have loaded, the first by name (alpha waits for zeta).
  t.same(order, ['early', 'beta', 'zeta', 'alpha', 'late']);
});

t.test('a missing dependency or a cycle stops boot with a message naming the plugin', async (t) => {
  const database = await freshDatabase();
  t.teardown(() => database.close());
  const boot = (plugins: ReturnType<typeof plugin>[]) => buildApp({ database, logger: false, jobs: false, plugins, config: { dataDir: '/tmp/parley-test-data' } });
  await t.rejects(boot([plugin('lonely', () => {}, ['ghost'])]), { code: 'PARLEY_ERR_PLUGIN_BOOT', plugin: 'lonely', message: /lonely depends on ghost, which is not installed/ });
  await t.rejects(boot([plugin('chicken', () => {}, ['egg']), plugin('egg', () => {}, ['chicken'])]), { code: 'PARLEY_ERR_PLUGIN_BOOT', message: /dependency cycle: (chicken -> egg -> chicken|egg -> chicken -> egg)/ });
  t.equal((await database.db.selectFrom('topics').select('id').execute()).length, 0);
});

t.test('disabling a dependency silences the plugins that depend on it', async (t) => {
  const heard: string[] = [];
  const { h, alice, categoryId } = await setup(t, [
    plugin('base', () => {}),
    plugin('child', (ctx) => {
      ctx.hooks.onAction('message-created', ({ post }) => { heard.push(post.raw); });
      ctx.http.get('/child/ping', async () => ({ pong: true }));
    }, ['base']),
  ]);
  await alice.post('/api/topics', { title: 'One topic', raw: 'First one', categoryId });
  t.equal((await alice.get('/child/ping')).statusCode, 200);
  await h.core.plugins.setEnabled('base', false);
  t.equal(h.core.plugins.isEnabled('child'), false, 'child counts as off');
  await alice.post('/api/topics', { title: 'Two topic', raw: 'Second one', categoryId });
  t.equal((await alice.get('/child/ping')).statusCode, 404, "the dependant's route is gone");
  t.same(heard, ['First one'], "the dependant's handler stayed silent");
  await h.core.plugins.setEnabled('base', true);
  await alice.post('/api/topics', { title: 'Three topic', raw: 'Third one', categoryId });
  t.same(heard, ['First one', 'Third one'], 'and it speaks again once its dependency is back');
});
