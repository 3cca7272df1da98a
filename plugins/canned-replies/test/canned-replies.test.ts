import t from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import cannedReplies from '../index.ts';

// One forum for the whole file: the support group (owner olive, members alice and sam), a sales
// group (sam, its owner), mallory in neither, and a customer's mail to support.
const h = await testApp({ plugins: [stagedAccounts, groupInbox, cannedReplies], config: { baseUrl: 'http://forum.test' } });
t.teardown(() => h.close());
const admin = await h.user('admin', { admin: true });
const olive = await h.user('olive', { name: 'Olive Owner' });
const alice = await h.user('alice', { name: 'Alice Agent' });
const sam = await h.user('sam', { name: 'Sam' });
const mallory = await h.user('mallory');
const groups = h.core.services.groups;
const adminViewer = await h.core.services.users.viewerFor(admin.user!);
await groups.create({ name: 'support', full_name: 'Acme Support', messageable: 'everyone' });
await groups.create({ name: 'sales' });
await groups.addMembers(adminViewer, 'support', ['olive', 'alice', 'sam']);
await groups.addMembers(adminViewer, 'sales', ['sam']);
await groups.setOwner('support', 'olive', true);
await groups.setOwner('sales', 'sam', true);
await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] });
const receive = async (from: string, subject: string) =>
  (await h.core.mail.receiver.receive(rawMail({ from, to: 'support@forum.test', subject }), { source: 'http', envelopeRecipients: ['support@forum.test'] })).topicId!;
const topicId = await receive('Carol Customer <carol@customer.test>', 'Where is my parcel?');

const create = (who: typeof admin, title: string, body: string, group = 'support') => who.post('/api/canned-replies', { group, title, body });
const count = async () => (await admin.json('/api/canned-replies?group=support&limit=100')).replies.length;

t.test('admins and the group\'s owners manage the library; members read it; anyone else finds nothing', async (t) => {
  const byAdmin = await create(admin, 'Refund policy', 'Hi {{customer.first_name}}, refunds take 5 days.');
  t.equal(byAdmin.statusCode, 201, byAdmin.body);
  const byOwner = await create(olive, 'Shipping times', 'Parcels ship within two days.');
  t.equal(byOwner.statusCode, 201, 'the group\'s owner adds replies');
  const id = byOwner.json().reply.id;

  const byMember = await create(alice, 'Mine', 'Members cannot add.');
  t.equal(byMember.statusCode, 403, 'a plain member may not add');
  t.match(byMember.json().message, /Only admins and owners of @support can change its canned replies/);
  t.equal((await alice.put(`/api/canned-replies/${id}`, { title: 'Changed' })).statusCode, 403, 'nor change');
  t.equal((await alice.delete(`/api/canned-replies/${id}`)).statusCode, 403, 'nor delete');
  t.equal((await create(sam, 'Sales owner?', 'Sam owns sales only.')).statusCode, 403, 'the owner of another group is a plain member here');

  const list = await alice.json('/api/canned-replies?group=support');
  t.same(list.replies.map((r: { title: string }) => r.title).sort(), ['Refund policy', 'Shipping times'], 'members read the library');
  t.equal(list.replies[0].canManage, false);
  t.equal((await alice.json(`/api/canned-replies/${id}`)).reply.title, 'Shipping times');

  for (const [what, res] of [
    ['list', await mallory.get('/api/canned-replies?group=support')],
    ['read', await mallory.get(`/api/canned-replies/${id}`)],
    ['use', await mallory.post(`/api/canned-replies/${id}/use`, {})],
    ['change', await mallory.put(`/api/canned-replies/${id}`, { title: 'Pwned' })],
    ['delete', await mallory.delete(`/api/canned-replies/${id}`)],
    ['add', await create(mallory, 'Mine', 'Nope.')],
    ['open the page', await mallory.get('/g/support/canned-replies')],
  ] as const) {
    t.equal(res.statusCode, 404, `a non-member cannot ${what}: not found`);
    t.notMatch(res.body, /Shipping|Refund/, 'and learns no title');
  }
  t.same((await mallory.json('/api/canned-replies')).replies, [], 'searching everything finds nothing of support');
  t.equal((await mallory.get(`/api/canned-replies?topicId=${topicId}`)).statusCode, 404, 'nor through a message they cannot see');

  const renamed = await olive.put(`/api/canned-replies/${id}`, { title: 'Shipping time' });
  t.equal(renamed.json().reply.title, 'Shipping time', 'the owner changes a title; the body stays');
  t.equal(renamed.json().reply.body, 'Parcels ship within two days.');
  t.equal((await admin.delete(`/api/canned-replies/${id}`)).statusCode, 200, 'admins delete');
  t.equal((await alice.get(`/api/canned-replies/${id}`)).statusCode, 404, 'and it is gone');
});

t.test('a reply that cannot be saved says what to fix, and nothing is saved', async (t) => {
  const before = await count();
  const cases: Array<[string, string, RegExp]> = [
    ['', 'A body', /Give the reply a title/],
    ['x'.repeat(101), 'A body', /at most 100 characters; this one has 101/],
    ['Empty', '   \n ', /the body is empty/],
    ['Typo', 'Hi {{customer.nmae}}, see {{ topic url }}.', /Unknown variables \{\{customer\.nmae\}\}, \{\{ topic url \}\}\. The variables are \{\{customer\.name\}\}.*\{\{topic\.url\}\}/],
  ];
  for (const [title, body, message] of cases) {
    const res = await create(olive, title, body);
    t.equal(res.statusCode, 400, `${title || 'no title'}: refused`);
    t.match(res.json().message, message);
  }
  t.same((await create(olive, 'Typo', 'Hi {{customer.nmae}}')).json().unknown, ['{{customer.nmae}}'], 'the unknown variables are listed for the UI');
  t.equal((await create(olive, 'Greeting', 'Hello {{customer.name | friend}}')).statusCode, 201, 'a fallback is fine');
  const dup = await create(olive, '  greeting ', 'Another');
  t.equal(dup.statusCode, 409, 'titles are unique in a library, whatever their case');
  t.match(dup.json().message, /already has a reply called "greeting"; pick another title/);
  t.equal((await create(sam, 'Greeting', 'Sales may have its own.', 'sales')).statusCode, 201, 'another library may use the same title (sam owns sales)');
  t.equal(await count(), before + 1, 'only the valid reply was saved to support');
  const update = await olive.put(`/api/canned-replies/${(await create(olive, 'Temp', 'Temp')).json().reply.id}`, { body: 'Bye {{agent.nam}}' });
  t.equal(update.statusCode, 400, 'changes are checked the same way');
});

t.test('search finds replies by title and body, titles first, in the libraries of the message', async (t) => {
  await create(olive, 'Password reset', 'Use the link on the login page.');
  await create(olive, 'Login trouble', 'Try resetting your password first.');
  await create(admin, 'Password (sales)', 'Sales has no passwords.', 'sales');
  const titles = async (who: typeof admin, query: string) => (await who.json(`/api/canned-replies?${query}`)).replies.map((r: { title: string }) => r.title);
  t.same(await titles(alice, 'group=support&q=password'), ['Password reset', 'Login trouble'], 'a title match ranks above a body match');
  t.same(await titles(alice, 'group=support&q=LOGIN page'), ['Password reset'], 'every word must match, in any case');
  t.same(await titles(alice, 'group=support&q=100%'), [], 'wildcards are literal');
  t.same(await titles(sam, `topicId=${topicId}&q=password`), ['Password reset', 'Login trouble'], 'a message offers only its groups\' libraries');
  t.same(await titles(sam, 'q=password'), ['Password (sales)', 'Password reset', 'Login trouble'], 'without a message, every library of the viewer');
  t.same(await titles(alice, 'q=password'), ['Password reset', 'Login trouble'], 'but never a library of a group one is not in');
  const lib = await alice.json(`/api/canned-replies?topicId=${topicId}&q=zzz`);
  t.same(lib.libraries, [{ name: 'support', fullName: 'Acme Support', canManage: false, href: '/g/support/canned-replies' }], 'with the libraries searched');
});

t.test('using a reply fills its variables for the message and counts the use', async (t) => {
  const body = 'Hi {{customer.first_name}} ({{customer.name}}),\n\nsee {{topic.url}} about "{{topic.title}}".\n\n{{agent.first_name}} / {{agent.name}}, {{group.name}}';
  const id = (await create(olive, 'Signed reply', body)).json().reply.id;
  const used = await alice.post(`/api/canned-replies/${id}/use`, { topicId });
  t.equal(used.statusCode, 200, used.body);
  t.equal(used.json().text, `Hi Carol (Carol Customer),\n\nsee http://forum.test/t/where-is-my-parcel/${topicId} about "Where is my parcel?".\n\nAlice / Alice Agent, Acme Support`);
  t.equal(used.json().reply.usageCount, 1, 'the use is counted in the same call');
  await Promise.all([sam.post(`/api/canned-replies/${id}/use`, { topicId }), alice.post(`/api/canned-replies/${id}/use`, { topicId })]);
  const after = (await alice.json(`/api/canned-replies/${id}`)).reply;
  t.equal(after.usageCount, 3, 'each use counts, two at once included');
  t.same(after.variables, ['customer.first_name', 'customer.name', 'topic.url', 'topic.title', 'agent.first_name', 'agent.name', 'group.name'], 'the reply lists the variables it uses');
  t.ok(after.lastUsedAt, 'and when it was last used');
  t.match((await olive.get('/g/support/canned-replies')).body, new RegExp(`data-canned-usage="3">used 3 times`), 'the library page shows the count');

  t.match((await alice.json('/api/canned-replies/variables')).variables.map((v: { token: string }) => v.token), ['{{customer.name}}', '{{customer.first_name}}', '{{agent.name}}'], 'the variables are listed for integrations');
  const noMessage = await alice.post(`/api/canned-replies/${id}/use`, {});
  t.match(noMessage.json().text, /^Hi there \(there\),\n\nsee {2}about ""\./, 'without a message the fallbacks are used');
  const fallback = (await create(olive, 'Own fallback', 'Dear {{customer.name | valued customer}}')).json().reply.id;
  t.equal((await alice.post(`/api/canned-replies/${fallback}/use`, {})).json().text, 'Dear valued customer', 'or the reply\'s own fallback');

  const tricky = await receive('"[Win](http://evil.test) ![t](http://track.test/p.png) <b>x</b>" <prize@customer.test>', 'Free *stuff*');
  const escaped = (await alice.post(`/api/canned-replies/${id}/use`, { topicId: tricky })).json().text;
  t.match(escaped, /^Hi \\\[Win\\\]\(http:\/\/evil\.test\) \(\\\[Win\\\]\(http:\/\/evil\.test\) !\\\[t\\\]\(http:\/\/track\.test\/p\.png\) \\<b\\>x\\<\/b\\>\)/,
    'a customer\'s name is escaped: it cannot become a disguised link, an image or markup');
  t.match(escaped, /about "Free \\\*stuff\\\*"/, 'nor can a subject');
  const posted = await alice.post(`/api/t/${tricky}/posts`, { raw: escaped });
  t.equal(posted.statusCode, 201, posted.body);
  const cooked = posted.json().post.cooked as string;
  t.notMatch(cooked, />Win<\/a>|<img|<b>|<em>/, 'so the cooked post holds no link text, image, tag or emphasis of theirs');
  t.match(cooked, /\[Win\]\(/, 'just their name as text (a bare address in it is linked as itself, as anywhere in a post)');

  // Staged accounts take no name that holds an @; a customer who signed up may call themself anything.
  const namedLikeStaff = await receive('Asker <asker@customer.test>', 'A question');
  await h.core.db.updateTable('users').set({ name: 'Ask @alice' }).where('username', '=', 'asker').execute();
  const mentionless = (await alice.post(`/api/canned-replies/${id}/use`, { topicId: namedLikeStaff })).json().text;
  t.match(mentionless, /^Hi Ask \(Ask \\@alice\)/, 'an @ in a customer\'s name is escaped');
  const asked = await alice.post(`/api/t/${namedLikeStaff}/posts`, { raw: mentionless });
  t.equal(asked.statusCode, 201, asked.body);
  t.notMatch(asked.json().post.cooked, /class="mention"/, 'so inserting their name mentions no one');
  t.match(asked.json().post.cooked, /Hi Ask \(Ask @alice\)/, 'it reads as they wrote it');

  const own = await alice.post('/api/messages', { title: 'Internal question', raw: 'For the team, no customer here.', groups: ['support'] });
  t.equal(own.statusCode, 201, own.body);
  const internal = (await alice.post(`/api/canned-replies/${id}/use`, { topicId: own.json().topic.id })).json().text;
  t.match(internal, /^Hi there \(there\)/, 'a message started by a member has no customer: the fallback');

  const sales = (await admin.json('/api/canned-replies?group=sales')).replies[0].id;
  const wrong = await sam.post(`/api/canned-replies/${sales}/use`, { topicId });
  t.equal(wrong.statusCode, 400, 'a reply of a library that is not on the message is refused');
  t.match(wrong.json().message, /in the library of @sales, which is not on this message/);
  const byMallory = await mallory.post('/api/messages', { title: 'Mallory asks', raw: 'Hello support, question.', groups: ['support'] });
  const malloryTopic = byMallory.json().topic.id;
  t.equal((await mallory.post(`/api/canned-replies/${id}/use`, { topicId: malloryTopic })).statusCode, 404, 'a customer on their own message cannot use the team\'s replies');
  t.same((await mallory.json(`/api/canned-replies?topicId=${malloryTopic}`)).replies, [], 'nor list them');
  t.notMatch((await mallory.get(`/t/x/${malloryTopic}`)).body, /data-canned-replies/, 'and their composer has no picker');
});

t.test('the pages: the library with its forms, links from the group and the inbox, the picker in the composer', async (t) => {
  const page = await olive.get('/g/support/canned-replies');
  t.equal(page.statusCode, 200);
  t.match(page.body, /New canned reply/, 'owners get the form');
  t.match(page.body, /\{\{customer\.first_name\}\}/, 'and the list of variables');
  const member = await alice.get('/g/support/canned-replies?q=login+page');
  t.match(member.body, /Password reset/, 'members see the library, searched');
  t.notMatch(member.body, /Login trouble|data-canned-delete|New canned reply/, 'only what matches, and no forms');

  const bad = await olive.post('/g/support/canned-replies', { title: 'Half done', body: 'Hi {{customr.name}}\n\nBye' });
  t.equal(bad.statusCode, 400, 'a form with a mistake comes back');
  t.match(bad.body, /Unknown variable \{\{customr\.name\}\}/, 'saying what to fix');
  t.match(bad.body, /value="Half done"/, 'with what was typed kept');
  t.match(bad.body, /data-canned-body>Hi \{\{customr\.name\}\}\n\nBye<\/textarea>/, 'line for line');
  const good = await olive.post('/g/support/canned-replies', { title: 'From the form', body: 'Thanks, {{customer.first_name}}!' });
  t.equal(good.statusCode, 303);
  const id = (await olive.json('/api/canned-replies?group=support&q=From the form')).replies[0].id;
  const edit = await olive.get(`/g/support/canned-replies/${id}/edit`);
  t.equal(edit.statusCode, 200, 'the owner edits it');
  t.match(edit.body, /<textarea name="body"[^>]*>Thanks, \{\{customer\.first_name\}\}!<\/textarea>/, 'its body exactly as saved');
  t.equal((await alice.get(`/g/support/canned-replies/${id}/edit`)).statusCode, 404, 'a member has no edit page');
  t.equal((await alice.post(`/g/support/canned-replies/${id}`, { title: 'Hijack', body: 'x' })).statusCode, 403, 'nor may save one');
  t.equal((await olive.post(`/g/support/canned-replies/${id}`, { title: 'From the form', body: 'Thank you, {{customer.first_name}}!' })).statusCode, 303);
  t.equal((await alice.json(`/api/canned-replies/${id}`)).reply.body, 'Thank you, {{customer.first_name}}!', 'saved');
  t.equal((await olive.post(`/g/support/canned-replies/${id}/delete`, {})).statusCode, 303);
  t.equal((await alice.get(`/api/canned-replies/${id}`)).statusCode, 404, 'deleted');

  t.match((await alice.get('/g/support')).body, /href="\/g\/support\/canned-replies" data-canned-replies-link/, 'the group page links members to it');
  t.notMatch((await mallory.get('/g/support')).body, /data-canned-replies-link/, 'but not outsiders');
  t.match((await alice.get('/g/support/messages')).body, /data-canned-replies-link/, 'so does the inbox');
  const topicPage = await alice.get(`/t/x/${topicId}`);
  t.match(topicPage.body, new RegExp(`data-canned-replies data-topic-id="${topicId}"`), 'the composer of the message has the picker');
  t.match(topicPage.body, /src="\/canned-replies\/canned-replies\.js"/);
  const script = await alice.get('/canned-replies/canned-replies.js');
  t.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
});

t.test('turned off, the plugin goes silent: no API, no page, no picker, no links', async (t) => {
  t.equal((await admin.put('/api/admin/plugins/canned-replies', { enabled: false })).statusCode, 200);
  t.teardown(async () => { await admin.put('/api/admin/plugins/canned-replies', { enabled: true }); });
  t.equal((await alice.get('/api/canned-replies?group=support')).statusCode, 404);
  t.equal((await olive.get('/g/support/canned-replies')).statusCode, 404);
  t.notMatch((await alice.get(`/t/x/${topicId}`)).body, /data-canned-replies/);
  t.notMatch((await alice.get('/g/support')).body, /data-canned-replies-link/);
});
