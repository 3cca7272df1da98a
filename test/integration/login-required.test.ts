import t from 'tap';
import { siteSettings } from '../../core/admin/site-settings.ts';
import { testApp } from '../helpers/app.ts';

t.test('with "login required" on, visitors are sent to log in and the API answers 401; members read as usual', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const category = await h.core.services.categories.create({ name: 'General', permissions: [{ group: 'everyone', permission: 'create' }] });
  const alice = await h.user('alice');
  const topic = (await alice.post('/api/topics', { title: 'Members news', raw: 'inside information', categoryId: category.id })).json().topic;
  const anon = await h.anonymous();
  t.equal((await anon.get('/api/latest')).statusCode, 200, 'open by default');

  await siteSettings(h.core).update({ loginRequired: true });
  const page = await h.app.inject({ url: `/t/${topic.slug}/${topic.id}`, headers: { accept: 'text/html' } });
  t.equal(page.statusCode, 303);
  t.equal(page.headers.location, `/login?next=${encodeURIComponent(`/t/${topic.slug}/${topic.id}`)}`, 'to log in, then back');
  const api = await anon.get('/api/latest');
  t.equal(api.statusCode, 401);
  t.notMatch(api.body, 'Members news');
  t.notMatch((await anon.get('/api/search?q=information')).body, 'inside');
  t.equal((await h.app.inject({ url: '/login', headers: { accept: 'text/html' } })).statusCode, 200, 'the login page stays open');
  t.equal((await h.app.inject({ url: '/signup', headers: { accept: 'text/html' } })).statusCode, 200, 'and so does signing up');
  t.equal((await h.app.inject({ url: '/assets/parley.css' })).statusCode, 200);
  t.equal((await alice.json('/api/latest')).topics.length, 1, 'members read as usual');
});
