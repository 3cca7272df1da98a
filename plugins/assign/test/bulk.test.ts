import t from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import { formBrowser } from '../../group-inbox/test/inbox-setup.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import type { Kysely } from '../../../core/plugin-api.ts';
import type { AssignTables } from '../assign.ts';
import assign from '../index.ts';

t.test('Assign to… on the inbox\'s bulk bar', async (t) => {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, assign] });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const mallory = await h.user('mallory');
  const viewer = await h.core.services.users.viewerFor(admin.user!);
  await h.core.services.groups.create({ name: 'support' });
  await h.core.services.groups.addMembers(viewer, 'support', ['alice', 'bob']);
  await h.core.services.groups.create({ name: 'sales' });
  await h.core.services.groups.addMembers(viewer, 'sales', ['mallory']);
  await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] });
  await admin.put('/api/group-inbox/sales/settings', { addresses: ['sales@forum.test'] });
  const receive = async (subject: string, to = 'support@forum.test') =>
    (await h.core.mail.receiver.receive(rawMail({ from: 'carol@customer.test', to, subject }), { source: 'http', envelopeRecipients: [to] })).topicId!;
  const [one, two] = [await receive('First question'), await receive('Second question')];
  const foreign = await receive('For sales', 'sales@forum.test');
  const holders = async () => Object.fromEntries((await (h.core.db as unknown as Kysely<AssignTables & { users: { id: number; username: string } }>).selectFrom('assign_assignments').leftJoin('users', 'users.id', 'assign_assignments.user_id')
    .select(['topic_id', 'users.username']).execute()).map((r) => [r.topic_id, r.username]));

  await t.test('by API: every selected message, each with its small action; again changes nothing', async (t) => {
    const res = await alice.post('/api/group-inbox/support/bulk', { action: 'assign', topicIds: [one, two], assignTo: 'bob' });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { action: 'assign', selected: 2, changed: 2 });
    t.same(await holders(), { [one]: 'bob', [two]: 'bob' });
    const actions = (await admin.json(`/api/t/${two}`)).posts.filter((p: { action_code: string | null }) => p.action_code === 'assign.assigned');
    t.same(actions.map((p: { raw: string }) => p.raw), ['assigned this message to @bob']);
    t.match((await alice.post('/api/group-inbox/support/bulk', { action: 'assign', topicIds: [one, two], assignTo: 'BOB' })).json(), { changed: 0 }, 'already held: nothing changed');
    const toGroup = await bob.post('/api/group-inbox/support/bulk', { action: 'assign', topicIds: [one], assignTo: '@support' });
    t.match(toGroup.json(), { changed: 1 });
  });

  await t.test('refused: someone off the team, no one named, a foreign message', async (t) => {
    const before = await holders();
    const off = await alice.post('/api/group-inbox/support/bulk', { action: 'assign', topicIds: [one, two], assignTo: 'mallory' });
    t.equal(off.statusCode, 400);
    t.match(off.json().message, /mallory is not on this message's team/);
    t.match((await alice.post('/api/group-inbox/support/bulk', { action: 'assign', topicIds: [one], assignTo: ' ' })).json().message, /Say whom to assign them to/);
    const mixed = await alice.post('/api/group-inbox/support/bulk', { action: 'assign', topicIds: [two, foreign], assignTo: 'alice' });
    t.equal(mixed.statusCode, 404);
    t.equal((await mallory.post('/api/group-inbox/support/bulk', { action: 'assign', topicIds: [one], assignTo: 'mallory' })).statusCode, 404, 'an outsider learns nothing');
    t.same(await holders(), before, 'nothing changed');
  });

  await t.test('without scripts: the bar has the field, and Enter in it assigns', async (t) => {
    const browser = await formBrowser(h, 'alice');
    const page = await browser.get('/g/support/messages');
    t.match(page.body, /name="assignTo" placeholder="username or @group"[^>]*><\/label> <button type="submit" name="action" value="assign" data-bulk="assign">Assign<\/button>/);
    const posted = await browser.post('/g/support/messages/bulk', { 'topicIds[]': [String(one), String(two)], assignTo: 'alice' });
    t.equal(posted.statusCode, 303);
    t.match((await browser.get(String(posted.headers.location))).body, /2 messages assigned\./);
    t.same(await holders(), { [one]: 'alice', [two]: 'alice' });
  });

  await t.test('a message opened for a customer can be assigned to its opener', async (t) => {
    const res = await bob.post('/api/group-inbox/support/messages', { email: 'caller@customer.test', title: 'Phone: billing', raw: 'Asked about the bill.', assignToMe: true });
    t.equal(res.statusCode, 201, res.body);
    t.equal((await holders())[res.json().topic.id], 'bob');
  });
});
