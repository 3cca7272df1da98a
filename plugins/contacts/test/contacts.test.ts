import t from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import contacts from '../index.ts';

// One forum for the whole file: a support and a sales inbox, their members, and customers who write by mail.
async function setup() {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, contacts], config: { baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice', { name: 'Alice Agent' });
  const bob = await h.user('bob', { name: 'Bob Seller' });
  const mallory = await h.user('mallory');
  const lee = await h.user('lee', { email: 'lee@work.test', name: 'Lee Customer' });
  const visitor = await h.anonymous();
  const adminViewer = await h.core.services.users.viewerFor(admin.user!);
  for (const [group, member, address] of [['support', 'alice', 'support@forum.test'], ['sales', 'bob', 'sales@forum.test']] as const) {
    await h.core.services.groups.create({ name: group });
    await h.core.services.groups.addMembers(adminViewer, group, [member]);
    const saved = await admin.put(`/api/group-inbox/${group}/settings`, { addresses: [address] });
    if (saved.statusCode !== 200) throw new Error(saved.body);
  }
  return { h, admin, alice, bob, mallory, lee, visitor };
}
const { h, admin, alice, bob, mallory, lee, visitor } = await setup();

/** A customer's mail through the real pipeline. */
const receive = async (from: string, subject: string, to = 'support@forum.test', opts: { messageId?: string; inReplyTo?: string } = {}) => {
  const headers = opts.inReplyTo ? { 'In-Reply-To': `<${opts.inReplyTo}>`, References: `<${opts.inReplyTo}>` } : undefined;
  const outcome = await h.core.mail.receiver.receive(rawMail({ from, to, subject, body: `${subject}, please help.`, messageId: opts.messageId, headers }), { source: 'http', envelopeRecipients: [to] });
  if (outcome.status !== 'created') throw new Error(`${subject}: ${outcome.status} ${outcome.reason}`);
  return outcome;
};
const idOf = async (address: string) => (await h.core.services.users.findByEmail(address))!.id;
const authorOf = async (postId: number) => (await h.core.db.selectFrom('posts').select('user_id').where('id', '=', postId).executeTakeFirstOrThrow()).user_id;
const titles = async (client: typeof alice, id: number) => (await client.json(`/api/contacts/${id}/messages`)).topics.map((x: { title: string }) => x.title);

const printer = await receive('Carol Customer <carol@customer.test>', 'Printer on fire', 'support@forum.test', { messageId: 'printer@customer.test' });
await receive('Carol Customer <carol@customer.test>', 'Quote for 40 printers', 'sales@forum.test');
const carol = await idOf('carol@customer.test');

t.test('the page lists the customer\'s messages in the groups the viewer can see, and no others', async (t) => {
  t.same(await titles(alice, carol), ['Printer on fire'], 'a support member sees the support message only');
  t.same(await titles(bob, carol), ['Quote for 40 printers'], 'a sales member the sales one only');
  const all = await admin.json(`/api/contacts/${carol}/messages`);
  t.same(all.topics.map((x: { title: string }) => x.title), ['Quote for 40 printers', 'Printer on fire'], 'an admin both, newest first');
  t.same(all.topics[1].groups, [{ name: 'support', fullName: '' }], 'each with the inbox it went to');
  const page = await alice.get(`/contacts/${carol}`);
  t.equal(page.statusCode, 200, page.body);
  t.match(page.body, /<h1 id="contact-name">Carol Customer<\/h1>/);
  t.match(page.body, /@carol</);
  t.match(page.body, /data-staged>staged</, 'the staged badge');
  t.match(page.body, /mailto:carol@customer\.test/, 'the address');
  t.match(page.body, /Printer on fire/);
  t.notMatch(page.body, /Quote for 40 printers/, 'never a message of another group');
});

t.test('anyone not on the team gets not found, from the page and the API', async (t) => {
  for (const [who, client] of [['a plain user', mallory], ['a visitor', visitor]] as const) {
    t.equal((await client.get(`/contacts/${carol}`)).statusCode, 404, `${who}: the page`);
    t.equal((await client.get(`/api/contacts/${carol}`)).statusCode, 404, `${who}: the contact`);
    t.equal((await client.get(`/api/contacts/${carol}/messages`)).statusCode, 404, `${who}: the messages`);
    t.equal((await client.post(`/api/contacts/${carol}/notes`, { raw: 'hello' })).statusCode, 404, `${who}: notes`);
    t.equal((await client.post(`/api/contacts/${carol}/merge`, { address: 'x@y.test' })).statusCode, 404, `${who}: merging`);
  }
  t.equal((await alice.get(`/api/contacts/${mallory.user!.id}`)).statusCode, 404, 'the team opens only people who wrote to an inbox they can see');
  t.equal((await admin.get(`/api/contacts/${mallory.user!.id}`)).statusCode, 200, 'staff open anyone');
});

t.test('the inbox row and the message link the customer to the contact page, for the team', async (t) => {
  const inbox = await alice.get('/g/support/messages');
  t.match(inbox.body, new RegExp(`<a href="/contacts/${carol}" data-contact-link>carol</a>`), 'the sender\'s name in the inbox');
  const topic = await alice.get(`/t/x/${printer.topicId}`);
  t.match(topic.body, new RegExp(`Customer: <a href="/contacts/${carol}" data-contact-link>Carol Customer</a>`), 'the customer on the message');
});

t.test('case notes: Markdown, sanitised, for the team only, changed by their author or an admin', async (t) => {
  const added = await alice.post(`/api/contacts/${carol}/notes`, { raw: '**VIP** since 2019 <script>alert("x")</script> [site](javascript:alert(1))' });
  t.equal(added.statusCode, 201, added.body);
  const note = added.json().note;
  t.match(note.cooked, /<strong>VIP<\/strong>/, 'Markdown is cooked');
  t.notMatch(note.cooked, /<script/i, 'no script survives');
  t.notMatch(note.cooked, /href="javascript:/i, 'nor a script link');
  const page = await bob.get(`/contacts/${carol}`);
  t.match(page.body, /<strong>VIP<\/strong>/, 'the rest of the team reads it');
  t.notMatch(page.body, /<script>alert/, 'never as a script');
  t.match(page.body, /@alice/, 'with its author');
  t.notMatch(page.body, /data-delete-note/, 'without the controls of a note that is not theirs');
  t.notMatch((await alice.get(`/t/x/${printer.topicId}`)).body, /VIP/, 'notes stay on the contact page');
  t.match((await alice.get(`/contacts/${carol}`)).body, new RegExp(`action="/contacts/${carol}/notes/${note.id}"`), 'its author gets the edit form');
  t.equal((await alice.post(`/contacts/${carol}/notes/${note.id}`, { raw: 'VIP, *edited*' })).statusCode, 303, 'which works without scripts');
  t.match((await alice.json(`/api/contacts/${carol}`)).notes[0].cooked, /<em>edited<\/em>/);
  t.equal((await bob.put(`/api/contacts/${carol}/notes/${note.id}`, { raw: 'changed' })).statusCode, 403, 'not by someone else');
  const edited = await admin.put(`/api/contacts/${carol}/notes/${note.id}`, { raw: 'Prefers *phone* calls' });
  t.equal(edited.statusCode, 200, 'an admin may');
  t.match(edited.json().note.cooked, /<em>phone<\/em>/);
  t.equal((await alice.delete(`/api/contacts/${carol}/notes/${note.id}`)).statusCode, 200, 'the author deletes it');
  t.same((await alice.json(`/api/contacts/${carol}`)).notes, []);
  t.equal((await alice.post(`/api/contacts/${carol}/notes`, { raw: '   ' })).statusCode, 400, 'an empty note is refused');
});

t.test('merging a staged address into a signed-up contact moves its messages; its mail is theirs then', async (t) => {
  await receive('Lee <lee@work.test>', 'Invoice question');
  await receive('Lee at home <lee@home.test>', 'Writing from home');
  const home = await idOf('lee@home.test');
  const merged = await alice.post(`/api/contacts/${lee.user!.id}/merge`, { address: 'lee@home.test' });
  t.equal(merged.statusCode, 200, merged.body);
  t.equal(merged.json().result, 'merged');
  t.equal(merged.json().messages, 1);
  t.notOk(await h.core.services.users.findById(home), 'the staged account is gone');
  t.same(merged.json().addresses.map((a: { email: string; primary: boolean }) => [a.email, a.primary]), [['lee@work.test', true], ['lee@home.test', false]], 'both addresses, primary first');
  t.same(await titles(alice, lee.user!.id), ['Writing from home', 'Invoice question'], 'both messages are Lee\'s');
  t.match(merged.json().history[0], { action: 'merged', actor: 'alice', detail: /merged staged account @.+ \(lee@home\.test\) into this contact: 1 message moved here/ }, 'recorded with who did it');
  const again = await receive('lee@home.test', 'Home again');
  const post = await h.core.db.selectFrom('posts').select('user_id').where('id', '=', again.postId!).executeTakeFirstOrThrow();
  t.equal(post.user_id, lee.user!.id, 'mail from that address lands on Lee');
});

t.test('a staged contact takes in another staged account by core\'s merge: its messages and notes move, and it is gone', async (t) => {
  await receive('Carol <carol@other.test>', 'Second address here');
  const other = await idOf('carol@other.test');
  t.equal((await alice.post(`/api/contacts/${other}/notes`, { raw: 'Writes from her other address too' })).statusCode, 201, 'a note on the account to merge');
  const merged = await alice.post(`/api/contacts/${carol}/merge`, { address: 'carol@other.test' });
  t.equal(merged.statusCode, 200, merged.body);
  t.equal(merged.json().result, 'merged');
  t.equal(merged.json().messages, 1);
  t.notOk(await h.core.services.users.findById(other), 'the merged account is gone');
  t.equal((await h.core.services.users.findById(carol))?.staged, true, 'the contact is still a staged account');
  t.same(merged.json().addresses, [{ email: 'carol@customer.test', primary: true }, { email: 'carol@other.test', primary: false }], 'with both addresses');
  t.same(await titles(alice, carol), ['Second address here', 'Printer on fire'], 'its messages are the contact\'s');
  const message = await h.core.db.selectFrom('topics').select('user_id').where('title', '=', 'Second address here').executeTakeFirstOrThrow();
  t.equal(message.user_id, carol, 'moved, not just shown');
  t.same(merged.json().notes.map((n: { raw: string }) => n.raw), ['Writes from her other address too'], 'its case notes came along');
  t.match(merged.json().history[0], { action: 'merged', actor: 'alice', detail: /merged staged account @.+ \(carol@other\.test\) into this contact: 1 message moved here, with 1 case note$/ });
  t.equal(merged.json().history.length, 1, 'one history line for the merge');
  t.equal((await alice.get(`/contacts/${other}`)).statusCode, 404, 'the merged account has no page of its own');
  const next = await receive('carol@other.test', 'Still on my second address');
  t.equal(await authorOf(next.postId!), carol, 'its next mail is the contact\'s');
});

t.test('an address nobody has becomes a secondary address: its mail is the contact\'s, and its reply joins the contact\'s old thread', async (t) => {
  const outsider = await receive('Eve <eve@elsewhere.test>', 'Re: Printer on fire', 'support@forum.test', { inReplyTo: 'printer@customer.test' });
  t.not(outsider.topicId, printer.topicId, 'the inbox does not let outsiders join threads: a stranger\'s reply starts a new message');

  const added = await alice.post(`/api/contacts/${carol}/merge`, { address: 'Carol.Mobile@phone.test' });
  t.equal(added.statusCode, 200, added.body);
  t.equal(added.json().result, 'added');
  t.ok(added.json().addresses.some((a: { email: string; primary: boolean }) => a.email === 'Carol.Mobile@phone.test' && !a.primary), 'a secondary address of the contact');
  t.equal((await h.core.services.users.findByEmail('carol.mobile@phone.test'))?.id, carol, 'core knows it is hers');
  t.match(added.json().history[0], { action: 'address-added', actor: 'alice', detail: /added Carol\.Mobile@phone\.test/ });

  const fromPhone = await receive('carol.mobile@phone.test', 'Sent from my phone');
  t.equal(await authorOf(fromPhone.postId!), carol, 'mail from it is the contact\'s, not a new staged account\'s');
  t.same((await titles(alice, carol))[0], 'Sent from my phone', 'and lands on the contact page');
  const reply = await receive('carol.mobile@phone.test', 'Re: Printer on fire', 'support@forum.test', { inReplyTo: 'printer@customer.test' });
  t.equal(reply.topicId, printer.topicId, 'a reply from it to her old thread joins that thread');
  t.equal(await authorOf(reply.postId!), carol, 'as the contact');
  t.equal((await alice.post(`/api/contacts/${carol}/merge`, { address: 'carol.mobile@PHONE.test' })).statusCode, 400, 'adding it again: already part of this contact');

  await receive('Stranger <stranger@else.test>', 'Wholesale prices', 'sales@forum.test');
  const hidden = await alice.post(`/api/contacts/${carol}/merge`, { address: '@stranger' });
  t.equal(hidden.statusCode, 403, 'a member cannot merge an account with messages in inboxes they are not on');
  t.match(hidden.json().message, /only an admin or moderator can merge it/);
});

t.test('Admin → Users → Merge keeps the contact\'s case notes and history', async (t) => {
  await receive('Dana <dana@home.test>', 'Where is my order?');
  const dana = await idOf('dana@home.test');
  t.equal((await alice.post(`/api/contacts/${dana}/notes`, { raw: 'Order 1234, *late*' })).statusCode, 201);
  t.equal((await alice.post(`/api/contacts/${dana}/merge`, { address: 'dana@mobile.test' })).statusCode, 200, 'an address added on her contact');
  const merged = await admin.post(`/api/admin/staged-accounts/${dana}/merge`, { into: 'lee' });
  t.equal(merged.statusCode, 200, merged.body);
  t.same(merged.json().carried, ['1 case note', '1 history line'], 'the admin hears what came along');
  t.notOk(await h.core.services.users.findById(dana), 'the staged account is gone');
  const lees = await alice.json(`/api/contacts/${lee.user!.id}`);
  t.ok(lees.notes.some((n: { raw: string; author: string }) => n.raw === 'Order 1234, *late*' && n.author === 'alice'), 'her case note is on the contact she went into');
  t.ok(lees.history.some((l: { action: string; detail: string }) => l.action === 'address-added' && /dana@mobile\.test/.test(l.detail)), 'and her history');
  t.match(lees.history[0], { action: 'merged', actor: 'admin', detail: /merged staged account @dana\S* \(dana@home\.test, dana@mobile\.test\) into this contact: 1 message moved here, with 1 case note and 1 history line/ }, 'with a line for the admin\'s merge');
  t.ok(['dana@home.test', 'dana@mobile.test'].every((a) => lees.addresses.some((x: { email: string }) => x.email === a)), 'both her addresses are Lee\'s now');
  t.equal((await alice.get(`/api/contacts/${dana}`)).statusCode, 404);
});

t.test('merging a signed-up account\'s address is refused clearly, and nothing changes', async (t) => {
  const before = (await alice.json(`/api/contacts/${carol}`)).addresses;
  const refused = await alice.post(`/api/contacts/${carol}/merge`, { address: 'LEE@work.test' });
  t.equal(refused.statusCode, 409);
  t.match(refused.json().message, /belongs to @lee, who has signed up: a signed-up account is never merged into another contact/);
  t.same((await alice.json(`/api/contacts/${carol}`)).addresses, before, 'the contact is as it was');
  t.equal((await admin.post(`/api/contacts/${alice.user!.id}/merge`, { address: 'new@x.test' })).statusCode, 403, 'nor may a team member\'s account take addresses');
  t.equal((await alice.post(`/api/contacts/${carol}/merge`, { address: 'support@forum.test' })).statusCode, 400, 'nor Parley\'s own addresses');

  const form = await alice.post(`/contacts/${carol}/merge`, { address: 'lee@work.test' });
  t.equal(form.statusCode, 303, 'the form, without scripts');
  const shown = await alice.get(`/contacts/${carol}`);
  t.match(shown.body, /belongs to @lee, who has signed up/, 'says why on the page');
});

t.test('turned off, the pages and the links go quiet; an added address stays the contact\'s (it is core\'s)', async (t) => {
  await h.core.plugins.setEnabled('contacts', false);
  t.teardown(() => h.core.plugins.setEnabled('contacts', true));
  t.equal((await admin.get(`/contacts/${carol}`)).statusCode, 404, 'no page');
  t.equal((await admin.get(`/api/contacts/${carol}`)).statusCode, 404, 'no API');
  t.notMatch((await alice.get('/g/support/messages')).body, /data-contact-link/, 'no link in the inbox');
  const mail = await receive('carol.mobile@phone.test', 'Phone again, plugin off');
  t.equal(await authorOf(mail.postId!), carol, 'mail from an added address is still hers');
});
