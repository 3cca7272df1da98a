import t from 'tap';
import { PostType } from '../../../core/plugin-api.ts';
import { header, smtpSink, type Delivered } from '../../../test/integration/mail/send-smtp.ts';
import { mail, setup, strip, until } from './inbox-setup.ts';

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
  t.same(inbox.counts, { inbox: 1, new: 1, unread: 0, archive: 0, spam: 0 });
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

