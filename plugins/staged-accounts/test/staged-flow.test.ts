import t from 'tap';
import { client } from '../../../test/helpers/app.ts';
import { mail, setup, until } from '../../group-inbox/test/inbox-setup.ts';

t.test('staged accounts: no login, no mentions, no search, mail only about their own messages; unused ones are purged', async (t) => {
  const { h, alice, receive } = await setup(t);
  await receive(mail({ from: 'Ivy <ivy@customer.test>' }));
  const login = await (await client(h.app, null, {})).post('/api/session', { login: 'ivy@customer.test', password: 'whatever it is' });
  t.equal(login.statusCode, 401, 'a staged account cannot log in');
  t.same((await alice.json('/api/users?term=ivy')).users, [], 'absent from user search');
  const category = await h.publicCategory('Lobby');
  const mention = await alice.post('/api/topics', { title: 'Talking about ivy here', raw: 'Hello @ivy, are you there?', categoryId: category.id });
  t.equal(mention.statusCode, 201);
  const sent = await h.core.db.selectFrom('outgoing_emails').select('to_address').where('to_address', 'like', '%ivy@%').execute();
  t.equal(sent.length, 0, 'no mail: a staged account cannot be mentioned');
  t.notMatch(mention.json().post.cooked, /href="\/u\/ivy"/, 'the mention is not a link');

  const old = await h.core.db.insertInto('users').values({ username: 'ghost', username_lower: 'ghost', name: '', staged: true, active: false, created_at: new Date(Date.now() - 40 * 86_400_000) }).returning('id').executeTakeFirstOrThrow();
  t.equal(await h.core.services.users.deleteUnusedStaged(new Date(Date.now() - 30 * 86_400_000)), 1, 'the purge removes a staged account without posts');
  t.notOk(await h.core.services.users.findById(old.id));
  t.ok(await h.core.services.users.findByEmail('ivy@customer.test'), 'and keeps one that wrote');
});

t.test('claiming: signing up with a staged address activates that same account, after confirming by mail', async (t) => {
  const { h, sink, alice, receive } = await setup(t);
  const first = await receive(mail({ from: 'Jo <jo@customer.test>', body: 'Where is my order?' }));
  const staged = (await h.core.services.users.findByEmail('jo@customer.test'))!;
  await alice.post(`/api/t/${first.topicId}/posts`, { raw: 'It ships tomorrow.' });

  const visitor = await client(h.app, null, {});
  await visitor.get('/signup');
  const signup = await visitor.post('/signup', { email: 'jo@customer.test', username: 'jo_real', name: 'Jo Real', password: 'a long enough secret', next: `/t/x/${first.topicId}` });
  t.equal(signup.statusCode, 200, `no "this email is taken": ${signup.body.match(/class="flash[^>]*>([^<]*)/)?.[1] ?? ''}`);
  t.match(signup.body, /We sent a link to jo@customer\.test/);
  await until(() => sink.delivered.some((d) => d.mail.subject?.startsWith('Confirm your address')));
  const confirmation = sink.delivered.find((d) => d.mail.subject?.startsWith('Confirm your address'));
  t.equal(confirmation!.rcptTo[0], 'jo@customer.test');
  const link = /http:\/\/forum\.test(\/claim\/[A-Za-z0-9_-]+)/.exec(confirmation!.mail.text ?? '')![1]!;
  t.equal((await h.core.services.users.findById(staged.id))!.staged, true, 'nothing changes before the address is confirmed');
  const page = await visitor.get(link);
  t.equal(page.statusCode, 200);
  t.match(page.body, /jo_real/);
  const activated = await visitor.post(link, {});
  t.equal(activated.statusCode, 303, activated.body);
  t.equal(activated.headers.location, `/t/x/${first.topicId}`, 'and then to the message');
  const user = (await h.core.services.users.findById(staged.id))!;
  t.same({ username: user.username, name: user.name, staged: user.staged, active: user.active }, { username: 'jo_real', name: 'Jo Real', staged: false, active: true }, 'the same account, in place');
  const me = await visitor.json('/api/session/me');
  t.equal(me.user.id, staged.id, 'signed in as it');
  const inbox = await visitor.json('/api/messages/inbox');
  t.same(inbox.topics.map((x: { id: number }) => x.id), [first.topicId], 'with the whole conversation');
  const view = await visitor.json(`/api/t/${first.topicId}`);
  t.equal(view.posts.length, 2);
  t.equal((await visitor.post(link, {})).statusCode, 404, 'the link works once');
  const login = await (await client(h.app, null, {})).post('/api/session', { login: 'jo_real', password: 'a long enough secret' });
  t.equal(login.statusCode, 200, 'the chosen password works');
});

t.test('the hourly staged-account cap, and what a staged account hears of', async (t) => {
  const { h, alice, receive } = await setup(t);
  await h.core.plugins.updateSettings('staged-accounts', { maxPerHour: 2 });
  t.equal((await receive(mail({ from: 'n1@flood.test' }))).status, 'created');
  t.equal((await receive(mail({ from: 'n2@flood.test' }))).status, 'created');
  const third = await receive(mail({ from: 'n3@flood.test' }));
  t.equal(third.status, 'rejected', 'the third new sender in an hour is refused');
  t.equal(third.reason, 'unknown_sender');
  t.notOk(await h.core.services.users.findByEmail('n3@flood.test'));

  const n1 = (await h.core.services.users.findByEmail('n1@flood.test'))!;
  const adminProfile = await alice.get(`/u/${n1.username}`);
  t.equal(adminProfile.statusCode, 404, 'a member who is not staff cannot find a staged account\'s profile');
  const staff = await h.user('sam', { moderator: true });
  t.match((await staff.get(`/u/${n1.username}`)).body, /badge staged/, 'staff see the staged badge');
});

t.test('admins merge a staged account into an existing user, or invite it to sign up', async (t) => {
  const { h, sink, admin, alice, receive } = await setup(t);
  const lee = await h.user('lee', { email: 'lee@work.test', name: 'Lee' });
  const first = await receive(mail({ from: 'Lee at home <lee@home.test>', body: 'Writing from my other address.' }));
  await alice.post(`/api/t/${first.topicId}/posts`, { raw: 'Got it, Lee.' });
  const staged = (await h.core.services.users.findByEmail('lee@home.test'))!;

  const invited = await admin.post(`/api/admin/staged-accounts/${staged.id}/invite`);
  t.equal(invited.statusCode, 200, invited.body);
  await until(() => sink.delivered.some((d) => d.rcptTo.includes('lee@home.test') && /signup\?email=lee%40home\.test/.test(d.mail.text ?? '')));
  t.pass('the invitation links to signup with the address');

  t.equal((await alice.post(`/api/admin/staged-accounts/${staged.id}/merge`, { into: 'lee' })).statusCode, 403, 'admins only');
  t.equal((await admin.post(`/api/admin/staged-accounts/${lee.user!.id}/merge`, { into: 'alice' })).statusCode, 400, 'only a staged account can be merged');
  const merged = await admin.post(`/api/admin/staged-accounts/${staged.id}/merge`, { into: 'lee' });
  t.equal(merged.statusCode, 200, merged.body);
  t.notOk(await h.core.services.users.findById(staged.id), 'the staged account is gone');
  t.equal((await h.core.services.users.findByEmail('lee@home.test'))?.id, lee.user!.id, 'its address is now Lee\'s (secondary)');
  t.same((await lee.json('/api/messages/inbox')).topics.map((x: { id: number }) => x.id), [first.topicId], 'Lee has the message');
  t.equal((await lee.json(`/api/t/${first.topicId}`)).posts[0].user_id, lee.user!.id, 'and the first post is his');
  const again = await receive(mail({ from: 'lee@home.test', messageId: 'again@home.test', body: 'And once more.' }));
  const post = await h.core.db.selectFrom('posts').select('user_id').where('id', '=', again.postId!).executeTakeFirstOrThrow();
  t.equal(post.user_id, lee.user!.id, 'mail from that address is Lee\'s from now on');
});

