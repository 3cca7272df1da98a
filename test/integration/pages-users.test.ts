import t from 'tap';
import { SESSION_COOKIE, createSession } from '../../core/auth/sessions.ts';
import { browser, client, testApp } from '../helpers/app.ts';


t.test('profiles: name, username, joined; staged people exist for staff only', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const mod = await h.user('mod', { moderator: true });
  const alice = await h.user('alice', { name: 'Alice Liddell' });
  const bob = await h.user('bob');
  await h.core.db.insertInto('users').values({ username: 'emailonly', username_lower: 'emailonly', name: 'Email Person', password_hash: null, staged: true, active: false, suspended_until: null, suspended_reason: null, last_seen_at: null }).execute();

  const asBob = await browser(h, bob.user);
  const profile = await asBob('/u/Alice');
  t.equal(profile.statusCode, 200);
  t.match(profile.body, '<h1 id="profile-name">Alice Liddell</h1>');
  t.match(profile.body, '@alice');
  t.match(profile.body, /<dt>Joined<\/dt><dd[^>]*><time datetime=/);
  t.match(profile.body, /href="\/new-message\?to(=|&#x3D;)alice">Send a message</);
  t.notMatch(profile.body, 'staged');

  const own = await (await browser(h, alice.user))('/u/alice');
  t.match(own.body, 'href="/u/alice/preferences"');
  t.notMatch(own.body, 'Send a message', 'no messages to yourself');

  const hidden = await asBob('/u/emailonly');
  t.equal(hidden.statusCode, 404, 'a staged account does not exist for members');
  t.match(hidden.body, 'Page not found');
  t.notMatch(hidden.body, 'Email Person');
  t.equal((await (await browser(h, null))('/u/emailonly')).statusCode, 404, 'nor for visitors');
  const staff = await (await browser(h, mod.user))('/u/emailonly');
  t.equal(staff.statusCode, 200, 'staff see it');
  t.match(staff.body, /<span class="badge staged"[^>]*>staged<\/span>/, 'with the staged badge');
  t.notMatch(staff.body, 'Send a message', 'a staged account cannot be written to from here');
  t.equal((await asBob('/u/nobody-here')).statusCode, 404);
});

t.test('preferences: your own email flags and group levels, saved with a form', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  t.equal((await admin.post('/api/groups', { name: 'support', full_name: 'Support desk' })).statusCode, 201);
  t.equal((await admin.post('/api/groups', { name: 'other' })).statusCode, 201);
  t.equal((await admin.post('/api/groups/support/members', { usernames: ['alice'] })).statusCode, 200);

  const form = await alice.get('/u/alice/preferences');
  t.equal(form.statusCode, 200);
  t.match(form.body, /<input type="checkbox" name="email_messages" value="on" checked>/, 'email flags start on');
  t.match(form.body, '<select name="group:support">');
  t.match(form.body, /<option value="3" selected>Watching/, 'the level in force (the group default) is selected');
  t.notMatch(form.body, 'group:other', 'only groups you belong to');

  const saved = await alice.post('/u/alice/preferences', { email_messages: 'on', email_mentions: 'on', 'group:support': '1' });
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, '/u/alice/preferences');
  const options = await h.core.db.selectFrom('user_options').selectAll().where('user_id', '=', alice.user!.id).executeTakeFirstOrThrow();
  t.match(options, { email_messages: true, email_mentions: true, email_replies: false, email_digests: false, auto_track_on_reply: false }, 'unticked boxes are off');
  const again = await alice.get('/u/alice/preferences');
  t.match(again.body, /class="flash notice"[^>]*>Saved\./);
  t.match(again.body, /<option value="1" selected>Normal/);
  t.match(again.body, /<input type="checkbox" name="email_replies" value="on" >/);

  const bad = await alice.post('/u/alice/preferences', { email_replies: 'on', 'group:support': '7' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /class="flash error"[^>]*>Pick one of the listed notification levels for support\./);
  const unchanged = await h.core.db.selectFrom('user_options').select('email_replies').where('user_id', '=', alice.user!.id).executeTakeFirstOrThrow();
  t.equal(unchanged.email_replies, false, 'nothing was saved from the bad form');
  const level = await h.core.db.selectFrom('group_users').select('notification_level').where('user_id', '=', alice.user!.id).executeTakeFirstOrThrow();
  t.equal(level.notification_level, 1);

  const asBob = await browser(h, bob.user);
  t.equal((await asBob('/u/alice/preferences')).statusCode, 404, "someone else's preferences are not found");
  t.equal((await bob.post('/u/alice/preferences', { email_messages: 'on' })).statusCode, 404);
  const visitor = await (await browser(h, null))('/u/alice/preferences');
  t.equal(visitor.statusCode, 303);
  t.match(visitor.headers.location, /^\/login\?next=/);
});

t.test('changing your password: the current one is asked for, other browsers are signed out, this one stays', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const otherBrowser = await client(h.app, alice.user, { [SESSION_COOKIE]: await createSession(h.core.db, alice.user!.id, {}) });
  const mallory = await h.user('mallory');
  t.match((await alice.get('/u/alice/preferences')).body, /<input type="password" name="current_password"/);

  const wrong = await alice.post('/u/alice/preferences/password', { current_password: 'not my password', new_password: 'a brand new passphrase' });
  t.equal(wrong.statusCode, 400);
  t.match(wrong.body, 'Your current password is not right.');
  const short = await alice.post('/u/alice/preferences/password', { current_password: 'correct horse battery', new_password: 'short' });
  t.match(short.body, 'Passwords need at least 10 characters.');
  t.equal((await mallory.post('/u/alice/preferences/password', { current_password: 'correct horse battery', new_password: 'taken over by mallory' })).statusCode, 404, 'nobody changes someone else\'s');

  const changed = await alice.post('/u/alice/preferences/password', { current_password: 'correct horse battery', new_password: 'a brand new passphrase' });
  t.equal(changed.statusCode, 303);
  t.match((await alice.get('/u/alice/preferences')).body, 'Password changed.');
  t.equal((await otherBrowser.get('/api/session/me')).statusCode, 401, 'the other browser is signed out');
  const anon = await h.anonymous();
  t.equal((await anon.post('/api/session', { login: 'alice', password: 'correct horse battery' })).statusCode, 401, 'the old password no longer works');
  t.equal((await anon.post('/api/session', { login: 'alice', password: 'a brand new passphrase' })).statusCode, 200, 'the new one does');

  const api = await alice.put('/api/users/me/password', { currentPassword: 'a brand new passphrase', newPassword: 'a brand new passphrase' });
  t.equal(api.statusCode, 400, 'the API says what to fix too');
  t.match(api.json().message, 'differs from the current one');
  t.equal((await alice.put('/api/users/me/password', { currentPassword: 'a brand new passphrase', newPassword: 'yet another passphrase' })).statusCode, 204);
});
