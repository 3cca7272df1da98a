import t from 'tap';
import { browser, testApp } from '../helpers/app.ts';


t.test('messages: each person sees their own inbox, sent list and group inboxes, nobody else does', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const carol = await h.user('carol');
  t.equal((await admin.post('/api/groups', { name: 'support', full_name: 'Support desk', messageable: 'everyone' })).statusCode, 201);
  t.equal((await admin.post('/api/groups/support/members', { usernames: ['alice'] })).statusCode, 200);

  const dm = await bob.post('/new-message', { title: 'Lunch on Friday', recipients: 'alice', raw: 'Shall we get lunch on Friday?' });
  t.equal(dm.statusCode, 303, dm.body);
  t.match(dm.headers.location, /^\/t\/lunch-on-friday\/\d+$/);
  t.equal((await carol.post('/new-message', { title: 'Printer is on fire', recipients: '@support', raw: 'Please send help quickly.' })).statusCode, 303);
  t.equal((await carol.post('/new-message', { title: 'Secret birthday plans', recipients: 'bob', raw: 'Do not tell alice about this.' })).statusCode, 303);

  const asAlice = await browser(h, alice.user);
  const inbox = await asAlice('/u/alice/messages');
  t.equal(inbox.statusCode, 200);
  t.match(inbox.body, 'Lunch on Friday', 'a direct message is in the inbox');
  t.notMatch(inbox.body, 'Printer is on fire', 'group messages have their own tab');
  t.notMatch(inbox.body, 'Secret birthday plans', "someone else's message never shows");
  t.match(inbox.body, /<a href="\/u\/alice\/messages" aria-current="page">Inbox<\/a>/);
  t.match(inbox.body, /href="\/u\/alice\/messages\/group\/support">Support desk<\/a>/, 'a tab for the group inbox');
  t.match(inbox.body, /href="\/new-message"[^>]*>New message</);
  t.match(inbox.body, /<a href="\/u\/alice\/messages" aria-current="page">Messages<\/a>/, 'Messages is highlighted in the main nav');

  const group = await asAlice('/u/alice/messages/group/support');
  t.equal(group.statusCode, 200);
  t.match(group.body, 'Printer is on fire');
  t.notMatch(group.body, 'Lunch on Friday');
  t.match(group.body, /href="\/new-message\?group(=|&#x3D;)support"/, 'a dedicated "New message to the group" link');

  const sent = await (await browser(h, bob.user))('/u/bob/messages/sent');
  t.match(sent.body, 'Lunch on Friday');
  t.notMatch(sent.body, 'Secret birthday plans', 'carol sent that one, not bob');
  t.notMatch(sent.body, 'support', 'bob has no group tabs');

  const asBob = await browser(h, bob.user);
  const snoop = await asBob('/u/alice/messages');
  t.equal(snoop.statusCode, 404, "another member's messages are not found");
  t.match(snoop.body, 'Page not found');
  t.notMatch(snoop.body, 'Lunch on Friday');
  const groupSnoop = await asBob('/u/bob/messages/group/support');
  t.equal(groupSnoop.statusCode, 404, 'a group inbox needs membership');
  t.notMatch(groupSnoop.body, 'Printer is on fire');
  t.equal((await asBob('/u/alice/messages/group/support')).statusCode, 404);

  const asAdmin = await browser(h, admin.user);
  const adminView = await asAdmin('/u/alice/messages');
  t.equal(adminView.statusCode, 200, 'admins may look at anyone\'s messages');
  t.match(adminView.body, 'Messages of alice');
  t.match(adminView.body, 'Lunch on Friday');
  t.equal((await asAdmin('/u/nobody-at-all/messages')).statusCode, 404);

  const visitor = await (await browser(h, null))('/u/alice/messages');
  t.equal(visitor.statusCode, 303, 'visitors are asked to log in');
  t.equal(visitor.headers.location, '/login?next=%2Fu%2Falice%2Fmessages');
});

t.test('new message: prefilled recipients, clear errors, nothing sent on bad input', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  await h.user('bob');
  t.equal((await admin.post('/api/groups', { name: 'support', messageable: 'everyone' })).statusCode, 201);
  t.equal((await admin.post('/api/groups', { name: 'quiet', messageable: 'nobody' })).statusCode, 201);

  const form = await alice.get('/new-message?group=support');
  t.equal(form.statusCode, 200);
  t.match(form.body, /<input id="recipients" type="text" name="recipients" value="@support"/, '?group= prefills the group');
  t.match(form.body, /<script type="module" src="\/assets\/js\/autocomplete.js"><\/script>/, 'the autocomplete enhances the field');
  t.match(form.body, 'Groups you can write to: @support.', 'the groups are named for people without scripts');
  t.notMatch(form.body, '@quiet');
  t.match((await alice.get('/new-message?to=bob')).body, /name="recipients" value="bob"/);
  const script = await alice.get('/assets/js/autocomplete.js');
  t.equal(script.statusCode, 200);
  t.match(script.body, "setAttribute('role', 'combobox')");

  const messages = () => h.core.db.selectFrom('topics').select('id').where('archetype', '=', 'private_message').execute();
  const unknown = await alice.post('/new-message', { title: 'Hello there', recipients: 'bob, nosuchperson', raw: 'A message body.' });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.body, /class="flash error"[^>]*>No user named nosuchperson/);
  t.match(unknown.body, 'value="Hello there"', 'the title is kept');
  t.match(unknown.body, 'A message body.', 'the text is kept');
  t.match(unknown.body, 'value="bob, nosuchperson"');
  const quiet = await alice.post('/new-message', { title: 'Hello there', recipients: '@quiet', raw: 'A message body.' });
  t.equal(quiet.statusCode, 403);
  t.match(quiet.body, 'The group quiet does not accept messages from you.');
  const nobody = await alice.post('/new-message', { title: 'Hello there', recipients: ' , ', raw: 'A message body.' });
  t.equal(nobody.statusCode, 400);
  t.match(nobody.body, 'Add at least one recipient');
  const escaped = await alice.post('/new-message', { title: 'Hello there', recipients: '"><script>alert(1)</script>', raw: 'x' });
  t.notMatch(escaped.body, '<script>alert(1)</script>', 'what was typed is escaped when shown back');
  t.equal((await messages()).length, 0, 'nothing was sent');

  const ok = await alice.post('/new-message', { title: 'Hello there', recipients: 'bob @support', raw: 'A message body.' });
  t.equal(ok.statusCode, 303, ok.body);
  const [topic] = await messages();
  const users = await h.core.db.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', topic.id).execute();
  const groups = await h.core.db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topic.id).execute();
  t.equal(users.length, 2, 'alice and bob');
  t.equal(groups.length, 1, 'and the support group');
  t.match(String(ok.headers['set-cookie']), /Message%20sent/, 'the next page says the message was sent');
});
