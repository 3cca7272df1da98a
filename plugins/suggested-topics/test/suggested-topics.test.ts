import t from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import suggested from '../index.ts';

type Suggestion = { topic: { id: number; title: string }; reason: string };

t.test('under a group message: the sender\'s other messages, then new, then unread in the inbox; nothing else', async (t) => {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, suggested] });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const carol = await h.user('carol', { email: 'carol@customer.test' });
  await h.core.services.groups.create({ name: 'support' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice']);
  await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] });
  const receive = async (from: string, subject: string) => (await h.core.mail.receiver.receive(rawMail({ from, to: 'support@forum.test', subject }), { source: 'http', envelopeRecipients: ['support@forum.test'] })).topicId!;
  const carolOld = await receive('carol@customer.test', 'Carol: an older question');
  const readOne = await receive('dan@customer.test', 'Dan: already read');
  const unread = await receive('erin@customer.test', 'Erin: read, then answered again');
  const fresh = await receive('fay@customer.test', 'Fay: never opened');
  const carolNew = await receive('carol@customer.test', 'Carol: the current one');
  for (const id of [readOne, unread]) await alice.put(`/api/t/${id}/read`, { postNumber: 1 });
  t.equal((await admin.post(`/api/t/${unread}/posts`, { raw: 'An answer alice has not read yet.' })).statusCode, 201);

  const list = async (viewer: typeof alice, id: number) => (await viewer.json(`/api/t/${id}/suggested`)).suggested as Suggestion[];
  const forAlice = await list(alice, carolNew);
  t.same(forAlice.map((s) => [s.topic.id, s.reason]), [
    [carolOld, 'from the same person'],
    [fresh, 'new in this inbox'],
    [unread, 'unread in this inbox'],
  ], 'the customer\'s other message first, then new, then unread; the read one is not filler');

  const forCarol = await list(carol, carolNew);
  t.same(forCarol.map((s) => s.topic.id), [carolOld], 'the customer is shown only what she may see: her own messages');

  await h.core.plugins.updateSettings('suggested-topics', { limit: 1 });
  t.equal((await list(alice, carolNew)).length, 1, 'the limit is a setting');
  const page = await alice.get(`/t/x/${carolNew}`);
  t.match(page.body, /Related messages/);
  t.match(page.body, new RegExp(`data-suggested-topic="${carolOld}"`), 'the topic page shows them');
});

t.test('under a regular topic: new and unread in its category, then recent ones', async (t) => {
  const h = await testApp({ plugins: [suggested] });
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const help = await h.publicCategory('Help');
  const other = await h.publicCategory('Other');
  const topic = async (title: string, categoryId: number) => (await bob.post('/api/topics', { title, raw: 'Some words here.', categoryId })).json().topic.id as number;
  const readTopic = await topic('Read and quiet', help.id);
  const unreadTopic = await topic('Read, then a new post', help.id);
  const newTopic = await topic('Never opened', help.id);
  await topic('In another category', other.id);
  const current = await topic('The one being read', help.id);
  for (const id of [readTopic, unreadTopic]) await alice.put(`/api/t/${id}/read`, { postNumber: 1 });
  await bob.post(`/api/t/${unreadTopic}/posts`, { raw: 'Something new in here.' });
  const got = (await alice.json(`/api/t/${current}/suggested`)).suggested as Suggestion[];
  t.same(got.map((s) => [s.topic.id, s.reason]), [
    [newTopic, 'new in this category'],
    [unreadTopic, 'unread in this category'],
    [readTopic, 'recent in this category'],
  ]);
});
