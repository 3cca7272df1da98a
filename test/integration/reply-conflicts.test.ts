// Collision control at send time: a reply whose draft started before someone else wrote is held
// back with what happened since, in the API (409 with `conflicts`) and on the page (the draft kept,
// "Send anyway"); whispers count only for those who may read them.
import t from 'tap';
import whispers from '../../plugins/whispers/index.ts';
import { testApp } from '../helpers/app.ts';
import { browser } from './admin-browser.ts';

t.test('a reply is checked against what happened since its draft started', async (t) => {
  const h = await testApp({ plugins: [whispers] });
  t.teardown(() => h.close());
  const category = await h.publicCategory();
  const alice = await h.user('alice', { name: 'Alice Author' });
  const bob = await h.user('bob');
  const carol = await h.user('carol', { name: 'Carol Colleague' });
  const mod = await h.user('mod', { moderator: true });
  const created = await alice.post('/api/topics', { title: 'Where is my parcel?', categoryId: category.id, raw: 'It has been two weeks.' });
  const topicId = created.json().topic.id as number;
  const reply = (who: typeof bob, raw: string, seenPostNumber?: number, startedAt = new Date(Date.now() - 1000)) =>
    who.post(`/api/t/${topicId}/posts`, { raw, ...(seenPostNumber === undefined ? {} : { draft: { seenPostNumber, startedAt: startedAt.toISOString() } }) });
  const count = async () => (await h.core.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).where('topic_id', '=', topicId).executeTakeFirstOrThrow()).n;

  t.test('a colleague replied: 409, naming them and the post; nothing is posted', async (t) => {
    t.equal((await reply(carol, 'I am looking into it.')).statusCode, 201);
    const before = Number(await count());
    const res = await reply(bob, 'Let me check for you.', 1);
    t.equal(res.statusCode, 409, res.body);
    const body = res.json();
    t.match(body.message, /Since you started this reply: Carol Colleague replied\. Review it, then send again\./);
    t.same(body.conflicts.map((c: { kind: string; postNumber: number }) => [c.kind, c.postNumber]), [['replied', 2]]);
    t.equal(Number(await count()), before, 'the held-back reply was not written');
    t.equal((await reply(bob, 'Let me check for you.', 2)).statusCode, 201, 'sent again against what is seen now, it goes out');
  });

  t.test('the author wrote again: told apart from replies; one\'s own posts never count', async (t) => {
    t.equal((await reply(alice, 'Any news? I need it by Friday.')).statusCode, 201);
    const res = await reply(bob, 'Still checking.', 2);
    t.equal(res.statusCode, 409);
    const kinds = res.json().conflicts.map((c: { kind: string; message: string }) => `${c.kind}:${c.message}`);
    t.same(kinds, ['author-wrote:Alice Author wrote again.'], 'bob\'s own reply (post 3) is not a conflict; alice\'s is "wrote again"');
  });

  t.test('whispers: a conflict for staff, invisible (and no conflict) for everyone else', async (t) => {
    const seen = (await h.core.db.selectFrom('topics').select('highest_staff_post_number').where('id', '=', topicId).executeTakeFirstOrThrow()).highest_staff_post_number;
    const whisper = await mod.post(`/api/t/${topicId}/posts`, { raw: 'Carrier says it is lost.', whisper: true });
    t.equal(whisper.statusCode, 201, whisper.body);
    const staffSide = await h.user('mod2', { moderator: true });
    const res = await reply(staffSide, 'We will send a new one.', seen);
    t.equal(res.statusCode, 409);
    t.same(res.json().conflicts.map((c: { kind: string }) => c.kind), ['whispered']);
    t.equal((await reply(bob, 'Thanks for waiting.', seen)).statusCode, 201, 'bob cannot see the whisper, so nothing happened for him');
  });

  t.test('without a draft, a reply is sent as before; a bad draft is a 400', async (t) => {
    t.equal((await reply(bob, 'No draft base given.')).statusCode, 201);
    const bad = await bob.post(`/api/t/${topicId}/posts`, { raw: 'Hello there', draft: { seenPostNumber: -1, startedAt: 'yesterday' } });
    t.equal(bad.statusCode, 400);
    t.match(bad.json().message, /draft/);
  });

  t.test('on the page: the draft is kept, what is new is listed, and "Send anyway" sends it', async (t) => {
    const page = await browser(h, bob.user);
    const html = (await page.get(`/t/where-is-my-parcel/${topicId}`)).body;
    const seen = Number(html.match(/name="draftSeen" value="(\d+)"/)?.[1]);
    const started = html.match(/name="draftStarted" value="([^"]+)"/)?.[1] ?? '';
    const highestPublic = (await h.core.db.selectFrom('topics').select('highest_post_number').where('id', '=', topicId).executeTakeFirstOrThrow()).highest_post_number;
    t.equal(seen, highestPublic, 'the draft base a customer-side viewer gets never counts whispers (it would tell them whispers exist)');
    t.ok(!Number.isNaN(Date.parse(started)), 'and it carries when the draft started');

    await reply(alice, 'Hello? Anyone?');
    const held = await page.post(`/t/${topicId}/reply`, { raw: 'My **careful** answer', draftSeen: String(seen), draftStarted: started });
    t.equal(held.statusCode, 409);
    t.match(held.body, /data-reply-conflicts/);
    t.match(held.body, /Alice Author wrote again\./);
    t.match(held.body, /My \*\*careful\*\* answer<\/textarea>/, 'the draft is still in the composer');
    t.match(held.body, />Send anyway</);
    t.match(held.body, /Hello\? Anyone\?/, 'the new post is on the page to read');
    const newSeen = held.body.match(/name="draftSeen" value="(\d+)"/)?.[1] ?? '';
    t.ok(Number(newSeen) > seen, 'the review page moves the draft base to what it shows');
    const sent = await page.post(`/t/${topicId}/reply`, { raw: 'My **careful** answer', draftSeen: newSeen, draftStarted: held.body.match(/name="draftStarted" value="([^"]+)"/)?.[1] ?? '' });
    t.equal(sent.statusCode, 303, 'sending from the review page posts the reply');
  });
});
