import t, { type Test } from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { liveClient } from '../../../test/helpers/live-client.ts';
import { supportDesk } from '../../../test/helpers/support-desk.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import whispers from '../../whispers/index.ts';
import assign from '../index.ts';

async function setup(t: Test) {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, whispers, assign] });
  t.teardown(() => h.close());
  const desk = await supportDesk(h);
  return { h, ...desk, carol: desk.carol!, receive: (subject: string) => desk.mail(subject) };
}

t.test('take, a clear conflict for the second taker, release, and handing it on', async (t) => {
  const { alice, bob, mallory, carol, receive } = await setup(t);
  const id = await receive('Where is my parcel?');
  const taken = await alice.put(`/api/t/${id}/assign/take`);
  t.equal(taken.statusCode, 200, taken.body);
  t.equal(taken.json().assignment.username, 'alice');
  t.equal((await alice.put(`/api/t/${id}/assign/take`)).statusCode, 200, 'taking what you hold is fine');
  const second = await bob.put(`/api/t/${id}/assign/take`);
  t.equal(second.statusCode, 409, 'the second taker gets a conflict, not a silent overwrite');
  t.match(second.json().message, /alice has just taken this message/);
  t.equal((await bob.put(`/api/t/${id}/assign/release`)).statusCode, 403, 'only the holder (or staff) releases it');
  t.equal((await mallory.put(`/api/t/${id}/assign/take`)).statusCode, 404, 'outsiders cannot even find it');
  t.equal((await carol.put(`/api/t/${id}/assign/take`)).statusCode, 403, 'the customer is not on the team');

  t.equal((await alice.put(`/api/t/${id}/assign/release`)).statusCode, 200);
  t.equal((await bob.put(`/api/t/${id}/assign/take`)).statusCode, 200, 'released, anyone on the team may take it');
  const handed = await bob.put(`/api/t/${id}/assign`, { username: 'alice' });
  t.equal(handed.json().assignment.username, 'alice', 'handed to a colleague');
  t.equal((await bob.put(`/api/t/${id}/assign`, { username: 'mallory' })).statusCode, 400, 'not to someone off the team');
  const toGroup = await alice.put(`/api/t/${id}/assign`, { group: 'support' });
  t.equal(toGroup.json().assignment.group, 'support', 'or back to the group');
  t.equal((await bob.put(`/api/t/${id}/assign/take`)).statusCode, 200, 'a message held by the group can be taken from it');

  const view = await alice.json(`/api/t/${id}`);
  const actions = view.posts.filter((p: { action_code: string | null }) => p.action_code?.startsWith('assign.')).map((p: { raw: string }) => p.raw);
  t.same(actions, ['took this message', 'released this message back to the queue', 'took this message', 'assigned this message to @alice', 'assigned this message to @support', 'took this message'],
    'each change is a small action in the topic');
  const forCarol = await carol.json(`/api/t/${id}`);
  t.notOk(forCarol.posts.some((p: { action_code: string | null }) => p.action_code), 'which the customer never sees');
  t.equal(forCarol.topic.highest_post_number, 1);
});

t.test('lists by assignee, and the page shows who holds what', async (t) => {
  const { alice, bob, receive } = await setup(t);
  const mine = await receive('Alice takes this one');
  const bobs = await receive('Bob takes this one');
  const free = await receive('Nobody has this one');
  await alice.put(`/api/t/${mine}/assign/take`);
  await bob.put(`/api/t/${bobs}/assign/take`);
  const ids = async (q: string) => (await alice.json(`/api/group-inbox/support?${q}`)).topics.map((x: { id: number }) => x.id).sort();
  t.same(await ids('assigned=me'), [mine], 'assigned to me');
  t.same(await ids('assigned=nobody'), [free], 'unassigned');
  t.same(await ids('assigned=group'), [mine, bobs].sort(), 'assigned in this group');
  t.same(await ids('assigned=bob'), [bobs], 'filtered by assignee');
  const page = await alice.get('/g/support/messages');
  t.match(page.body, new RegExp(`data-assignment="${bobs}" data-holder="bob"><span class="badge assign-badge" data-taken-by="bob">taken by bob`), 'the inbox shows who took each message');
  t.match(page.body, /data-assigned-filter="me"/, 'with the assignee filters');
  const count = (value: string) => Number(new RegExp(`data-assigned-count="${value}">(\\d+)<`).exec(page.body)?.[1]);
  t.same([count('me'), count('group'), count('nobody')], [1, 2, 1], 'each with how many of the inbox\'s messages it holds');
  t.equal(Number(new RegExp('data-assigned-count="me">(\\d+)<').exec((await bob.get('/g/support/messages')).body)?.[1]), 1, '"me" counts the viewer\'s own');
  const topicPage = await bob.get(`/t/x/${mine}`);
  t.match(topicPage.body, /taken by alice/);
  t.match(topicPage.body, /data-take/, 'and the Take button for the team');
});

t.test('a take reaches every open page live', async (t) => {
  const { h, alice, bob, receive } = await setup(t);
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const id = await receive('Live take');
  const bobLive = await liveClient(address, bob.sessionToken!, '?lists=1');
  t.teardown(() => bobLive.close());
  const started = Date.now();
  await alice.put(`/api/t/${id}/assign/take`);
  const event = await bobLive.waitFor((m) => m.payload?.type === 'assigned' && m.payload.topicId === id, 1000);
  t.equal(event.payload.username, 'alice');
  t.ok(Date.now() - started < 1000, 'within a second');
});
