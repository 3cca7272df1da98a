import t from 'tap';
import { testApp, type Client } from '../helpers/app.ts';

/**
 * A private message must be invisible to anyone not in it, through every route the app serves.
 * Routes are discovered from the app itself, so a route added later is walked too.
 */
const SECRET_TITLE = 'Zebra quarterly figures';
const SECRET_WORD = 'classifiedwalrus';

function fill(url: string, ids: Record<string, string | number>): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => String(ids[name] ?? ids.id));
}

function leaks(body: string): boolean {
  return body.includes(SECRET_WORD) || body.includes(SECRET_TITLE);
}

t.test('a non-participant and a visitor see nothing of a private message through any route', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const carol = await h.user('carol');
  const mallory = await h.user('mallory');
  const anon = await h.anonymous();
  const sent = await alice.post('/api/messages', { title: SECRET_TITLE, raw: `The ${SECRET_WORD} numbers, @carol`, usernames: ['carol'] });
  t.equal(sent.statusCode, 201, sent.body);
  const { topic, post } = sent.json();
  t.equal((await carol.json(`/api/t/${topic.id}`)).posts.length, 1, 'the recipient sees it');

  const routes = h.core.routes.filter((r) => !r.url.startsWith('/api/docs') && r.method !== 'HEAD' && r.method !== 'OPTIONS');
  t.ok(routes.length >= 15, `walking ${routes.length} routes`);
  const ids = { id: topic.id, number: 1, username: 'alice', name: 'alice', sha256: 'x' };
  const postIds = { ...ids, id: post.id };
  for (const viewer of [mallory, anon] as Client[]) {
    const who = viewer.user?.username ?? 'a visitor';
    for (const route of routes) {
      const url = fill(route.url, route.url.startsWith('/api/posts/') ? postIds : ids);
      const body = { raw: 'sneaky reply text', title: 'sneaky', postNumber: 1, level: 3, status: 'closed', enabled: true, ids: [], categoryId: 1 };
      const res = route.method === 'GET' ? await viewer.get(url)
        : route.method === 'POST' ? await viewer.post(url, body)
          : route.method === 'PUT' ? await viewer.put(url, body) : await viewer.delete(url, body);
      t.notOk(leaks(res.body), `${route.method} ${route.url} shows ${who} nothing of the message`);
      if (route.url.startsWith('/api/t/:id') || route.url.startsWith('/api/posts/:id')) {
        t.ok(res.statusCode === 404 || res.statusCode === 401, `${route.method} ${route.url} answers ${who} 404/401 (got ${res.statusCode})`);
      }
    }
  }
  const after = await h.core.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).execute();
  t.equal(after.length, 1, 'no reply, edit or status change got in');
  const untouched = await h.core.db.selectFrom('posts').select('raw').where('id', '=', post.id).executeTakeFirstOrThrow();
  t.match(untouched.raw, SECRET_WORD);
  const notes = await h.core.db.selectFrom('notifications').select('user_id').where('topic_id', '=', topic.id).execute();
  t.same(notes.map((n) => n.user_id), [carol.user!.id], 'only the recipient was notified');
});
