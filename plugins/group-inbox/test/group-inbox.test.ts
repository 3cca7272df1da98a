import t, { type Test } from 'tap';
import { PostType } from '../../../core/plugin-api.ts';
import { client, testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import { header, smtpSink, type Delivered } from '../../../test/integration/mail/send-smtp.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import groupInbox from '../index.ts';

/** Mail to the support inbox. */
const mail = (opts: Parameters<typeof rawMail>[0] = {}) => rawMail({ to: 'Acme Support <support@forum.test>', ...opts });
const strip = (id: string | undefined) => (id ?? '').replace(/^<|>$/g, '');

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error('timed out waiting');
}

/** A forum with the support group (alice and bob), its inbox at support@forum.test, and mail captured over SMTP. */
async function setup(t: Test, settings: Record<string, unknown> = {}) {
  const sink = await smtpSink();
  t.teardown(() => sink.close());
  const h = await testApp({ plugins: [stagedAccounts, groupInbox], config: { smtpUrl: sink.url, baseUrl: 'http://forum.test' } });
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice', { name: 'Alice Agent' });
  const bob = await h.user('bob', { name: 'Bob Agent' });
  const mallory = await h.user('mallory');
  await h.core.services.groups.create({ name: 'support', full_name: 'Acme Support', messageable: 'everyone' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice', 'bob']);
  const saved = await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test', 'help@acme.test'], fromName: 'Acme Support', ...settings });
  t.equal(saved.statusCode, 200, saved.body);
  const provisioned: Array<{ username: string; source: string; email: string | null }> = [];
  h.core.hooks.onAction('user-provisioned', ({ user, source, email }) => { if (source === 'staged') provisioned.push({ username: user.username, source, email }); });
  const receive = (raw: Buffer, to = 'support@forum.test') => h.core.mail.receiver.receive(raw, { source: 'http', envelopeRecipients: [to] });
  return { h, sink, admin, alice, bob, mallory, receive, provisioned };
}

t.test('mail to a group address becomes a message to the group, with the sender and the Cc\'d people in it', async (t) => {
  const { h, alice, mallory, receive, provisioned } = await setup(t);
  await h.user('dora', { email: 'dora@partner.test' });
  const outcome = await receive(mail({
    from: 'Carol Customer <carol.c+shop@customer.test>', to: 'Acme Support <support@forum.test>', messageId: 'first@customer.test',
    headers: { Cc: 'Dan <dan@customer.test>, dora@partner.test, "help@acme.test" <help@acme.test>' },
  }));
  t.equal(outcome.status, 'created', JSON.stringify(outcome));
  const topicId = outcome.topicId!;
  const topic = await h.core.db.selectFrom('topics').selectAll().where('id', '=', topicId).executeTakeFirstOrThrow();
  t.equal(topic.archetype, 'private_message');
  const groups = await h.core.db.selectFrom('topic_allowed_groups').innerJoin('groups', 'groups.id', 'topic_allowed_groups.group_id').select('groups.name').where('topic_id', '=', topicId).execute();
  t.same(groups.map((g) => g.name), ['support'], 'the allowed group is the group');
  const allowed = await h.core.db.selectFrom('topic_allowed_users').innerJoin('users', 'users.id', 'topic_allowed_users.user_id')
    .select(['users.username', 'users.name', 'users.staged', 'users.active']).where('topic_id', '=', topicId).orderBy('users.username').execute();
  t.same(allowed.map((u) => u.username), ['carol.c', 'dan', 'dora'], 'the sender and the Cc\'d people, never the group\'s own address');
  const carol = allowed.find((u) => u.username === 'carol.c')!;
  t.same({ name: carol.name, staged: carol.staged, active: carol.active }, { name: 'Carol Customer', staged: true, active: false }, 'a staged, inactive account named from the display name');
  t.notOk(allowed.some((u) => /@|customer\.test/.test(u.username)), 'usernames never expose the address');
  t.same(provisioned.map((p) => [p.username, p.source]).sort(), [['carol.c', 'staged'], ['dan', 'staged']], 'each new account is announced through user-provisioned');

  const inbox = await alice.json(`/api/group-inbox/support`);
  t.same(inbox.topics.map((x: { id: number }) => x.id), [topicId], 'a member sees it in the group inbox');
  t.same(inbox.counts, { inbox: 1, new: 1, unread: 0, archive: 0 });
  t.equal((await mallory.get('/api/group-inbox/support')).statusCode, 404, 'a non-member learns nothing, not even that the inbox exists');
  t.equal((await mallory.get(`/api/t/${topicId}`)).statusCode, 404);
});

t.test('the Cc cap and the per-mail staged-account cap', async (t) => {
  const { h, receive } = await setup(t, { ccCap: 2 });
  const cc = Array.from({ length: 5 }, (_, i) => `p${i}@many.test`).join(', ');
  const outcome = await receive(mail({ from: 'sender@many.test', headers: { Cc: cc } }));
  t.equal(outcome.status, 'created');
  const allowed = await h.core.db.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', outcome.topicId!).execute();
  t.equal(allowed.length, 3, 'the sender and the first two Cc\'d');

  await h.core.plugins.updateSettings('staged-accounts', { maxPerMail: 2 });
  const next = await receive(mail({ from: 'other@many.test', headers: { Cc: 'q1@many.test, q2@many.test' } }));
  const joined = await h.core.db.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', next.topicId!).execute();
  t.equal(joined.length, 2, 'two staged accounts for this mail at most: one Cc\'d, and the sender (kept a place)');
});

t.test('replying from the browser mails the customer under the group\'s identity, threaded, with only what they may see quoted', async (t) => {
  const { h, sink, alice, receive } = await setup(t);
  const first = await receive(mail({ from: 'Carol <carol@customer.test>', messageId: 'first@customer.test', body: 'My invoice is wrong.', headers: { Cc: 'dan@customer.test' } }));
  const topicId = first.topicId!;
  await h.core.db.insertInto('posts').values({ topic_id: topicId, user_id: alice.user!.id, post_number: 2, raw: 'Staff only: she was refunded last month', cooked: '<p>Staff only: she was refunded last month</p>', post_type: PostType.whisper, via: 'web' }).execute();
  await h.core.db.updateTable('topics').set({ highest_staff_post_number: 2 }).where('id', '=', topicId).execute();
  const reply = await alice.post(`/api/t/${topicId}/posts`, { raw: 'Sorry about that, Carol: here is the corrected invoice.' });
  t.equal(reply.statusCode, 201, reply.body);
  await until(() => ['carol@customer.test', 'dan@customer.test'].every((a) => sink.delivered.some((d) => d.rcptTo.includes(a))));
  const to = (address: string) => sink.delivered.filter((d: Delivered) => d.rcptTo.includes(address)).at(-1)!;
  const toCarol = to('carol@customer.test');
  t.ok(toCarol && to('dan@customer.test'), 'the customer and the Cc\'d participant both get the reply');
  t.equal(toCarol.mail.from?.value[0]?.address, 'support@forum.test', 'From the group\'s address');
  t.equal(toCarol.mail.from?.value[0]?.name, 'Acme Support', 'with the group\'s name');
  t.equal(strip(toCarol.mail.inReplyTo), 'first@customer.test', 'In-Reply-To the customer\'s mail');
  t.match(String(toCarol.mail.references ?? ''), /first@customer\.test/);
  t.match(toCarol.mail.replyTo?.value[0]?.address ?? '', /^reply\+[0-9a-f]{32}@forum\.test$/, 'Reply-To carries a reply key');
  t.notOk(header(toCarol.mail, 'precedence'), 'a person\'s answer, not list mail');
  t.notOk(header(toCarol.mail, 'auto-submitted'), 'and not auto-generated');
  t.match(toCarol.mail.text, /corrected invoice/);
  t.match(toCarol.mail.text, /> My invoice is wrong\./, 'the customer\'s mail is quoted');
  t.notMatch(toCarol.mail.text, /refunded/, 'the whisper is not');
  t.notMatch(String(toCarol.mail.html), /refunded/);
  t.match(toCarol.mail.text, /http:\/\/forum\.test\/signup\?email=carol%40customer\.test&next=%2Ft%2F/, 'links lead a staged customer to signup, then to the message');

  // The customer answers that mail, quoting it: the answer lands in the same message, trimmed.
  const answer = await receive(mail({
    from: 'Carol <carol@customer.test>', to: toCarol.mail.replyTo!.value[0]!.address, messageId: 'second@customer.test',
    headers: { 'In-Reply-To': toCarol.mail.messageId!, References: `<first@customer.test> ${toCarol.mail.messageId}` },
    body: `Thanks, that fixed it!\n\nOn Tue, 1 Dec 2026 at 10:00, Acme Support <support@forum.test> wrote:\n> Sorry about that, Carol: here is the corrected invoice.\n`,
  }), toCarol.mail.replyTo!.value[0]!.address);
  t.equal(answer.status, 'created', JSON.stringify(answer));
  t.equal(answer.topicId, topicId, 'the answer threads into the same message');
  const post = await h.core.db.selectFrom('posts').select('raw').where('id', '=', answer.postId!).executeTakeFirstOrThrow();
  t.equal(post.raw.trim(), 'Thanks, that fixed it!', 'the quoted history is trimmed');
});

t.test('archiving, and the customer\'s next mail bringing the message back', async (t) => {
  const { alice, bob, receive } = await setup(t);
  const first = await receive(mail({ from: 'carol@customer.test', messageId: 'a1@customer.test' }));
  const topicId = first.topicId!;
  t.equal((await alice.put(`/api/group-inbox/support/messages/${topicId}`, { archived: true })).statusCode, 200);
  t.same((await bob.json('/api/group-inbox/support')).counts, { inbox: 0, new: 0, unread: 0, archive: 1 }, 'archived for the whole group');
  t.same((await bob.json('/api/group-inbox/support?filter=archive')).topics.map((x: { id: number }) => x.id), [topicId]);
  await bob.post(`/api/t/${topicId}/posts`, { raw: 'A note from bob, still archived.' });
  t.equal((await alice.json('/api/group-inbox/support')).counts.archive, 1, 'a member\'s reply leaves it archived');
  const again = await receive(mail({ from: 'carol@customer.test', messageId: 'a2@customer.test', headers: { 'In-Reply-To': '<a1@customer.test>' } }));
  t.equal(again.topicId, topicId);
  const counts = (await alice.json('/api/group-inbox/support')).counts;
  t.same({ inbox: counts.inbox, archive: counts.archive }, { inbox: 1, archive: 0 }, 'a new mail from the customer brings it back to the inbox');
  const page = await alice.get('/g/support/messages?filter=inbox');
  t.equal(page.statusCode, 200);
  t.match(page.body, /data-count="inbox">1</);
  t.match(page.body, new RegExp(`data-topic-id="${topicId}"`));
  const archived = await alice.post(`/g/support/messages/${topicId}/archive`, { back: '/g/support/messages' });
  t.equal(archived.statusCode, 303, 'the archive button works without scripts');
  t.equal((await alice.json('/api/group-inbox/support')).counts.archive, 1);
});

t.test('a reply from someone not on the thread starts a new message, unless the group lets them join', async (t) => {
  const { h, receive, admin } = await setup(t);
  const first = await receive(mail({ from: 'carol@customer.test', messageId: 'c1@customer.test' }));
  const stranger = await receive(mail({ from: 'eve@elsewhere.test', messageId: 'e1@elsewhere.test', headers: { 'In-Reply-To': '<c1@customer.test>' } }));
  t.equal(stranger.status, 'created');
  t.not(stranger.topicId, first.topicId, 'a new message');
  await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'], allowUnknownRepliers: true });
  const joiner = await receive(mail({ from: 'frank@elsewhere.test', messageId: 'f1@elsewhere.test', headers: { 'In-Reply-To': '<c1@customer.test>' } }));
  t.equal(joiner.topicId, first.topicId, 'joins the thread');
  const allowed = await h.core.db.selectFrom('topic_allowed_users').innerJoin('users', 'users.id', 'user_id').select('username').where('topic_id', '=', first.topicId!).execute();
  t.ok(allowed.some((u) => u.username === 'frank'), 'and is a participant from then on');
});

t.test('the same mail by two routes makes one post; a rejected mail leaves no staged account', async (t) => {
  const { h, receive } = await setup(t);
  const raw = mail({ from: 'gina@customer.test', messageId: 'dup@customer.test' });
  t.equal((await receive(raw)).status, 'created');
  t.equal((await h.core.mail.receiver.receive(raw, { source: 'imap', envelopeRecipients: ['support@forum.test'] })).status, 'duplicate');
  const rejected = await receive(mail({ from: 'hank@customer.test', body: '\n\n' }));
  t.equal(rejected.status, 'rejected');
  t.equal(rejected.reason, 'empty_body');
  t.notOk(await h.core.services.users.findByEmail('hank@customer.test'), 'the staged account made for it went with the rejected decision');
  const staged = await h.core.db.selectFrom('users').select('username').where('staged', '=', true).execute();
  t.same(staged.map((u) => u.username), ['gina']);
});

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

t.test('staff make a group message public; whispers stay hidden', async (t) => {
  const { h, admin, alice, mallory, receive } = await setup(t);
  const category = await h.publicCategory('Solved cases');
  const first = await receive(mail({ from: 'kim@customer.test', body: 'How do I reset my password?' }));
  await alice.post(`/api/t/${first.topicId}/posts`, { raw: 'Use the link on the login page.' });
  await h.core.db.insertInto('posts').values({ topic_id: first.topicId!, user_id: alice.user!.id, post_number: 3, raw: 'Whisper: this user asks every week', cooked: '<p>Whisper: this user asks every week</p>', post_type: PostType.whisper, via: 'web' }).execute();
  await h.core.db.updateTable('topics').set({ highest_staff_post_number: 3 }).where('id', '=', first.topicId!).execute();
  t.equal((await alice.put(`/api/t/${first.topicId}/public`, { categoryId: category.id })).statusCode, 403, 'members who are not staff cannot');
  t.equal((await mallory.get(`/api/t/${first.topicId}`)).statusCode, 404);
  const moved = await admin.put(`/api/t/${first.topicId}/public`, { categoryId: category.id });
  t.equal(moved.statusCode, 200, moved.body);
  t.equal(moved.json().topic.archetype, 'regular');
  const seen = await mallory.json(`/api/t/${first.topicId}`);
  const raws = seen.posts.map((p: { raw: string }) => p.raw);
  t.ok(raws.includes('How do I reset my password?') && raws.includes('Use the link on the login page.'), 'anyone who may read the category reads it');
  t.notOk(raws.some((r: string) => r.includes('Whisper')), 'but never the whisper');
  const page = await admin.get(`/t/x/${first.topicId}`);
  t.match(page.body, /made this message a public topic/);
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

t.test('a group with its own SMTP server sends its replies through it', async (t) => {
  const { sink, admin, alice, receive } = await setup(t);
  const groupSmtp = await smtpSink();
  t.teardown(() => groupSmtp.close());
  const withPassword = groupSmtp.url.replace('smtp://', 'smtp://team:s3cret@');
  t.equal((await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'], smtpUrl: 'not a url' })).statusCode, 400);
  t.equal((await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'], smtpUrl: withPassword })).statusCode, 200);
  const shown = await admin.get('/api/group-inbox/support/settings');
  t.equal(shown.json().settings.smtpConfigured, true);
  t.notMatch(shown.body, /s3cret/, 'the password is never shown back');
  t.notMatch((await admin.get('/admin/group-inbox/support')).body, /s3cret/);

  const first = await receive(mail({ from: 'olga@customer.test' }));
  const before = sink.delivered.length;
  await alice.post(`/api/t/${first.topicId}/posts`, { raw: 'Answering through our own server.' });
  await until(() => groupSmtp.delivered.some((d) => d.rcptTo.includes('olga@customer.test')));
  t.ok(sink.delivered.slice(before).every((d) => !d.rcptTo.includes('olga@customer.test')), 'not through the site\'s server');

  t.equal((await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'] })).json().settings.smtpConfigured, true, 'leaving it out keeps it');
  t.equal((await admin.put('/api/group-inbox/support/settings', { addresses: ['support@forum.test'], clearSmtp: true })).json().settings.smtpConfigured, false, 'clearSmtp removes it');
});

t.test('a member\'s own messages keep the group\'s apart, under "My groups"', async (t) => {
  const { alice, bob, receive } = await setup(t);
  const first = await receive(mail({ from: 'pat@customer.test', subject: 'Group mail for support' }));
  await bob.post('/api/messages', { title: 'Lunch on Friday?', raw: 'Just for you, Alice.', usernames: ['alice'] });
  const page = await alice.get('/u/alice/messages');
  t.match(page.body, /data-my-groups>My groups:<\/span><a href="\/u\/alice\/messages\/group\/support"/, 'the group\'s tab under "My groups"');
  t.notMatch(page.body, /Group mail for support/, 'the direct inbox holds only what was sent to her');
  t.match(page.body, /Lunch on Friday\?/);
  const tab = await alice.get('/u/alice/messages/group/support');
  t.match(tab.body, new RegExp(`data-topic-id="${first.topicId}"`), 'the group\'s messages are in its tab');
});

t.test('admins edit a group\'s inbox settings in the browser; an address belongs to one group', async (t) => {
  const { h, admin, alice } = await setup(t);
  t.match((await admin.get('/admin/groups/support')).body, /href="\/admin\/group-inbox\/support"/, 'the group\'s admin page links to its inbox settings');
  t.equal((await alice.get('/admin/group-inbox/support')).statusCode, 404, 'not for members');
  const form = await admin.get('/admin/group-inbox/support');
  t.equal(form.statusCode, 200);
  t.match(form.body, /value="support@forum\.test, help@acme\.test"/);
  const bad = await admin.post('/admin/group-inbox/support', { addresses: 'support@forum.test, not-an-address', fromName: 'Acme', ccCap: '5' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /&quot;not-an-address&quot; is not an email address/);
  t.match(bad.body, /value="support@forum\.test, not-an-address"/, 'what was typed stays in the form');
  await h.core.services.groups.create({ name: 'sales' });
  const taken = await admin.put('/api/group-inbox/sales/settings', { addresses: ['support@forum.test'] });
  t.equal(taken.statusCode, 409);
  t.match(taken.json().error?.message ?? taken.body, /already reaches the group @support/);
  const saved = await admin.post('/admin/group-inbox/support', { addresses: 'desk@forum.test', fromName: 'The Desk', fromAddress: 'desk@forum.test', ccCap: '3', allowUnknownRepliers: 'true' });
  t.equal(saved.statusCode, 303);
  const settings = (await admin.json('/api/group-inbox/support/settings')).settings;
  t.same({ addresses: settings.addresses, fromName: settings.fromName, ccCap: settings.ccCap, allow: settings.allowUnknownRepliers }, { addresses: ['desk@forum.test'], fromName: 'The Desk', ccCap: 3, allow: true });
});

t.test('who hears of a new mail and of a reply: members by their level, participants at high priority', async (t) => {
  const { h, alice, bob, receive } = await setup(t);
  const heard: Array<{ userId: number; type: string; high: boolean }> = [];
  h.core.hooks.onAction('notification-created', ({ notification }) => { heard.push({ userId: notification.user_id, type: notification.notification_type, high: notification.high_priority }); });
  const bobViewer = await h.core.services.users.viewerFor(bob.user!);
  await h.core.services.groups.setNotificationLevel(bobViewer, 'support', 0);
  const first = await receive(mail({ from: 'quinn@customer.test', messageId: 'q1@customer.test' }));
  t.same(heard.map((n) => [n.userId, n.type, n.high]), [[alice.user!.id, 'private_message', false]],
    'alice (watching, the default) hears of it at normal priority; bob muted the group');
  heard.length = 0;
  t.equal((await alice.post(`/api/t/${first.topicId}/posts`, { raw: 'We are on it, Quinn.' })).statusCode, 201);
  const quinn = (await h.core.services.users.findByEmail('quinn@customer.test'))!;
  t.notOk(heard.some((n) => n.userId === quinn.id), 'a staged customer gets no web notification (they cannot log in)');
  const toQuinn = await h.core.db.selectFrom('outgoing_emails').select('kind').where('user_id', '=', quinn.id).execute();
  t.same(toQuinn.map((m) => m.kind), ['notification'], 'but the reply by mail');
  heard.length = 0;
  await receive(mail({ from: 'quinn@customer.test', messageId: 'q2@customer.test', headers: { 'In-Reply-To': '<q1@customer.test>' } }));
  t.same(heard.filter((n) => n.userId === alice.user!.id).map((n) => n.high), [true], 'alice replied, so she is a participant now: high priority');
  t.notOk(heard.some((n) => n.userId === bob.user!.id), 'bob still hears nothing');
});
