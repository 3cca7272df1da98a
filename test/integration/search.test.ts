import t, { type Test } from 'tap';
import { PostType } from '../../core/posts/posts.table.ts';
import type { Viewer } from '../../core/permissions/viewer.ts';
import { testApp, type Client } from '../helpers/app.ts';

async function setup(t: Test) {
  const h = await testApp();
  t.teardown(() => h.close());
  const db = h.core.db;
  const general = await h.publicCategory();
  const staffOnly = await db.insertInto('categories').values({ name: 'Staff', slug: 'staff' }).returning('id').executeTakeFirstOrThrow();
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const carol = await h.user('carol');
  const created = async (c: Client, url: string, body: object) => {
    const res = await c.post(url, body);
    t.equal(res.statusCode, 201, `${url} created`);
    return res.json().topic.id as number;
  };
  const publicTopic = await created(alice, '/api/topics', { title: 'Kangaroo migration patterns', raw: 'Kangaroos & "wallabies" hop across the outback <script>alert(1)</script> every spring.', categoryId: general.id });
  await created(alice, '/api/messages', { title: 'Between us', raw: 'The zebra password is under the mat.', usernames: ['bob'] });
  await created(admin, '/api/topics', { title: 'Moderator budget', raw: 'Platypus funding for next year.', categoryId: staffOnly.id });
  const adminViewer: Viewer = { id: admin.user!.id, username: 'admin', admin: true, moderator: false, staged: false, groupIds: [0] };
  await h.core.services.posts.reply(adminViewer, publicTopic, { raw: 'Staff only: the wombat sighting was fake.', postType: PostType.whisper });
  return { h, admin, alice, bob, carol, publicTopic };
}

const hits = async (c: Client, q: string) => (await c.json(`/api/search?q=${encodeURIComponent(q)}`)).hits as Array<{ topicId: number; title: string; postNumber: number; excerpt: string }>;

t.test('search finds a public topic by its words and by its title, with the words highlighted', async (t) => {
  const { h, alice, publicTopic } = await setup(t);
  const anon = await h.anonymous();
  const found = await hits(anon, 'kangaroos outback');
  t.equal(found.length, 1);
  t.equal(found[0]!.topicId, publicTopic);
  t.equal(found[0]!.title, 'Kangaroo migration patterns');
  t.equal(found[0]!.postNumber, 1);
  t.match(found[0]!.excerpt, '<mark>Kangaroos</mark>', 'stemmed words are highlighted');
  t.notMatch(found[0]!.excerpt, '<script>', 'the post text is escaped');
  t.match(found[0]!.excerpt, 'Kangaroos</mark> &#38; &#34;wallabies&#34;', 'quotes and ampersands are escaped');
  const byTitle = await hits(alice, 'migration');
  t.same(byTitle.map((x) => [x.topicId, x.postNumber]), [[publicTopic, 1]], 'a title match leads to the first post');
});

t.test("a private message's words are found only by its participants", async (t) => {
  const { alice, bob, carol, admin } = await setup(t);
  t.equal((await hits(alice, 'zebra password')).length, 1, 'the sender finds it');
  t.equal((await hits(bob, 'zebra password')).length, 1, 'the recipient finds it');
  t.same(await hits(carol, 'zebra password'), [], 'a non-participant does not');
  t.equal((await hits(admin, 'zebra')).length, 1, 'admins see everything');
});

t.test("a staff-only category's topic is not found by visitors or members", async (t) => {
  const { h, alice, admin } = await setup(t);
  t.same(await hits(await h.anonymous(), 'platypus'), [], 'anonymous finds nothing');
  t.same(await hits(alice, 'platypus funding'), [], 'a member finds nothing');
  t.same(await hits(alice, 'moderator budget'), [], 'not even by its title');
  t.equal((await hits(admin, 'platypus')).length, 1, 'staff find it');
});

t.test('a whisper is found by staff but not by a member', async (t) => {
  const { h, alice, admin, publicTopic } = await setup(t);
  const staff = await hits(admin, 'wombat');
  t.same(staff.map((x) => [x.topicId, x.postNumber]), [[publicTopic, 2]]);
  t.same(await hits(alice, 'wombat'), [], 'the member of a public topic does not see its whisper');
  t.same(await hits(await h.anonymous(), 'wombat sighting'), []);
});

t.test('a query that is empty, too short or only common words is a 400 that says what to do', async (t) => {
  const { alice } = await setup(t);
  for (const url of ['/api/search', '/api/search?q=', '/api/search?q=%20a%20']) {
    const res = await alice.get(url);
    t.equal(res.statusCode, 400, url);
    t.match(res.json().message, /at least 3 characters/);
  }
  const common = await alice.get('/api/search?q=the%20and%20was');
  t.equal(common.statusCode, 400);
  t.match(common.json().message, /too common/);
});

t.test('search is rate limited', async (t) => {
  const { alice } = await setup(t);
  let last = 0;
  for (let i = 0; i < 61; i++) last = (await alice.get('/api/search?q=kangaroo')).statusCode;
  t.equal(last, 429, 'the 61st search in a minute is refused');
});
