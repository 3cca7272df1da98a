import t from 'tap';
import { onlyMarks } from '../../core/search/search.pages.ts';
import { browser, testApp } from '../helpers/app.ts';


const results = (body: string) => body.slice(body.indexOf('data-search-results'));

t.test('the search page: highlighted results, safe excerpts, private messages only for their people', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const general = await h.publicCategory();
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const mallory = await h.user('mallory');
  t.equal((await alice.post('/api/topics', { title: 'Kangaroo migration patterns', raw: 'Kangaroos hop across the outback <script>alert(1)</script> every spring, <mark>really</mark>.', categoryId: general.id })).statusCode, 201);
  t.equal((await alice.post('/api/messages', { title: 'Kangaroo secrets', raw: 'The kangaroo password is under the mat.', usernames: ['bob'] })).statusCode, 201);

  const anon = await browser(h, null);
  const page = await anon('/search?q=kangaroo');
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Results for “kangaroo”');
  t.match(page.body, /<input id="site-search" type="search" name="q" placeholder="Search" value="kangaroo">/, 'the header search box keeps the words');
  t.match(results(page.body), /<a class="title" href="\/t\/kangaroo-migration-patterns\/\d+#post-1">Kangaroo migration patterns<\/a>/);
  t.match(results(page.body), '<mark>Kangaroos</mark>', 'matching words are highlighted');
  t.notMatch(page.body, '<script>alert(1)</script>', 'a post cannot inject markup through its excerpt');
  t.notMatch(results(page.body), '<mark>really</mark>', 'a literal <mark> in a post stays text');
  t.notMatch(page.body, 'Kangaroo secrets', 'a visitor never finds a private message');
  t.notMatch((await (await browser(h, mallory.user))('/search?q=kangaroo')).body, 'Kangaroo secrets', 'nor does a member outside it');
  t.match((await (await browser(h, bob.user))('/search?q=password')).body, 'Kangaroo secrets', 'the recipient finds it');

  const none = await anon('/search?q=zeppelin');
  t.equal(none.statusCode, 200);
  t.match(none.body, 'Nothing found for “zeppelin”');

  const short = await anon('/search?q=ka');
  t.equal(short.statusCode, 400, 'a too-short search is bad input');
  t.match(short.body, /class="flash error"[^>]*>Search for at least 3 characters\./, 'and says what to do');
  t.match(short.body, 'value="ka"', 'the words stay in the box to be corrected');
  const common = await anon('/search?q=the');
  t.equal(common.statusCode, 400);
  t.match(common.body, 'too common');

  const empty = await anon('/search');
  t.equal(empty.statusCode, 200, 'an empty search page is a search form, not an error');
  t.notMatch(empty.body, 'flash error');
  t.match(empty.body, 'id="search-page-q"');
});

t.test('search results are paged and the pages keep the query', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const general = await h.publicCategory();
  const alice = await h.user('alice');
  for (let i = 0; i < 23; i++) {
    t.equal((await alice.post('/api/topics', { title: `Wombat report number ${i}`, raw: `Wombats seen today: ${i} burrowing wombats.`, categoryId: general.id })).statusCode, 201);
  }
  const first = await alice.get('/search?q=wombat%20report');
  t.equal((results(first.body).match(/<li class="topic-row"/g) ?? []).length, 20);
  t.match(first.body, /href="\/search\?q(=|&#x3D;)wombat\+report&amp;page(=|&#x3D;)1" rel="next"/);
  const second = await alice.get('/search?q=wombat+report&page=1');
  t.equal((results(second.body).match(/<li class="topic-row"/g) ?? []).length, 3);
  t.match(second.body, /href="\/search\?q(=|&#x3D;)wombat\+report" rel="prev"/);
  t.notMatch(second.body, 'rel="next"');
});

t.test('excerpts keep <mark> and nothing else', async (t) => {
  t.equal(onlyMarks('a <mark>b</mark> <img src=x onerror=alert(1)> </mark'), 'a <mark>b</mark> &lt;img src=x onerror=alert(1)> &lt;/mark');
});
