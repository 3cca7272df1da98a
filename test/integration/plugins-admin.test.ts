import t from 'tap';
import { Type } from '@sinclair/typebox';
import { definePlugin } from '../../core/plugins/define-plugin.ts';
import { testApp } from '../helpers/app.ts';

const echo = definePlugin({
  name: 'echo-test',
  version: '1.2.3',
  description: 'Answers GET /echo',
  settings: Type.Object({ word: Type.String({ minLength: 1, default: 'hi' }), times: Type.Integer({ minimum: 1, maximum: 5, default: 1 }) }),
  register(ctx) {
    ctx.http.get('/echo', async () => ({ said: ctx.settings.get().word.repeat(ctx.settings.get().times) }));
  },
});

t.test('plugins admin: list, switch off and on, change settings', async (t) => {
  const h = await testApp({ plugins: [echo] });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');

  const list = (await admin.json('/api/admin/plugins')).plugins;
  t.match(list, [{ name: 'echo-test', version: '1.2.3', enabled: true, settings: { word: 'hi', times: 1 } }]);
  t.equal((await alice.get('/api/admin/plugins')).statusCode, 403);
  t.equal((await (await h.anonymous()).get('/api/admin/plugins')).statusCode, 401);

  const off = await admin.put('/api/admin/plugins/echo-test', { enabled: false });
  t.equal(off.json().plugin.enabled, false);
  t.equal((await alice.get('/echo')).statusCode, 404, 'a disabled plugin answers nothing, without a restart');
  await admin.put('/api/admin/plugins/echo-test', { enabled: true });

  const set = await admin.put('/api/admin/plugins/echo-test', { settings: { word: 'yo', times: 2 } });
  t.equal(set.statusCode, 200, set.body);
  t.same((await alice.json('/echo')).said, 'yoyo');

  const bad = await admin.put('/api/admin/plugins/echo-test', { settings: { times: 9 }, enabled: false });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, /Setting times of echo-test/);
  const unknown = await admin.put('/api/admin/plugins/echo-test', { settings: { colour: 'red' } });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json().message, /has no setting colour/);
  t.match((await admin.json('/api/admin/plugins')).plugins[0], { enabled: true, settings: { word: 'yo', times: 2 } }, 'nothing changed by bad requests');

  t.equal((await admin.put('/api/admin/plugins/nope', { enabled: true })).statusCode, 404);
  t.equal((await admin.put('/api/admin/plugins/echo-test', {})).statusCode, 400);
  t.equal((await alice.put('/api/admin/plugins/echo-test', { enabled: false })).statusCode, 403);
});
