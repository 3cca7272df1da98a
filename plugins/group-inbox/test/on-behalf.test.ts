import t from 'tap';
import type { InboxDb } from '../inbox.repo.ts';
import { formBrowser, setup, until } from './inbox-setup.ts';

t.test('a new message opened on a customer\'s behalf', async (t) => {
  const { h, sink, admin, alice, bob, provisioned } = await setup(t);
  const carol = await h.user('carol', { email: 'carol@customer.test', name: 'Carol Known' });

  const staging: Array<{ address: string; name: string; actorId: number }> = [];
  h.core.hooks.onFilter('stage-address', (userId, { address, name, actorId }) => { staging.push({ address, name, actorId }); return userId; });

  await t.test('a new address: a staged account is the author, and replies from the browser mail them', async (t) => {
    const opened = await alice.post('/api/group-inbox/support/messages', {
      email: 'Phil.Caller+phone@Customer.test', name: 'Phil Caller', title: 'Printer jams (phone call)', raw: 'Phil called: the printer jams on **every** page.', channel: 'phone',
    });
    t.equal(opened.statusCode, 201, opened.body);
    const topicId = opened.json().topic.id as number;
    const phil = (await h.core.services.users.findByEmail('phil.caller+phone@customer.test'))!;
    t.same({ username: phil.username, name: phil.name, staged: phil.staged }, { username: 'phil.caller', name: 'Phil Caller', staged: true }, 'a staged account by staged-accounts\' rules');
    t.same(provisioned.map((p) => p.username), ['phil.caller'], 'announced through user-provisioned');
    t.same(staging, [{ address: 'phil.caller+phone@customer.test', name: 'Phil Caller', actorId: alice.user!.id }], 'stage-address is asked with the address (lower-cased), the name and who asks');
    const topic = await h.core.db.selectFrom('topics').select(['user_id', 'archetype']).where('id', '=', topicId).executeTakeFirstOrThrow();
    t.same(topic, { user_id: phil.id, archetype: 'private_message' }, 'the customer is the author');
    const first = await h.core.db.selectFrom('posts').select(['user_id', 'raw']).where('topic_id', '=', topicId).where('post_number', '=', 1).executeTakeFirstOrThrow();
    t.equal(first.user_id, phil.id, 'of the first post too');
    const allowed = await h.core.db.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', topicId).execute();
    t.ok(allowed.some((a) => a.user_id === phil.id), 'and a participant');
    t.ok(allowed.some((a) => a.user_id === alice.user!.id), 'the team member who opened it takes part');
    t.same((await bob.json('/api/group-inbox/support')).topics.map((x: { id: number }) => x.id), [topicId], 'in the group\'s inbox');

    const staffView = await admin.json(`/api/t/${topicId}`);
    const note = staffView.posts.find((p: { action_code: string | null }) => p.action_code === 'group_inbox.opened_on_behalf');
    t.match(note, { user_id: alice.user!.id, raw: /opened this message on behalf of Phil Caller \(phil\.caller\+phone@customer\.test\), by phone/ }, 'a small action says who opened it and how');
    t.equal(note.post_type, 4, 'staff-only');
    const record = await (h.core.db as unknown as InboxDb).selectFrom('group_inbox_opened').selectAll().where('topic_id', '=', topicId).executeTakeFirstOrThrow();
    t.same({ by: record.opened_by, channel: record.channel }, { by: alice.user!.id, channel: 'phone' });

    const reply = await bob.post(`/api/t/${topicId}/posts`, { raw: 'Hi Phil, a technician is on the way.' });
    t.equal(reply.statusCode, 201, reply.body);
    const out = await h.core.db.selectFrom('outgoing_emails').select(['to_address', 'kind']).where('user_id', '=', phil.id).execute();
    t.match(out, [{ to_address: /phil\.caller\+phone@customer\.test/, kind: 'notification' }], 'the reply goes to the customer by mail (outbox)');
    t.equal(out.length, 1);
    await until(() => sink.delivered.some((d) => d.rcptTo.includes('phil.caller+phone@customer.test')));
    const mail = sink.delivered.find((d) => d.rcptTo.includes('phil.caller+phone@customer.test'))!;
    t.equal(mail.mail.from?.value[0]?.address, 'support@forum.test', 'under the group\'s identity');
    t.match(mail.mail.text, /the printer jams on \*\*every\*\* page/, 'quoting what they said on the phone');
  });

  await t.test('an address with an account uses that user; the form works without scripts', async (t) => {
    const browser = await formBrowser(h, 'bob');
    const inbox = await browser.get('/g/support/messages');
    t.match(inbox.body, /href="\/g\/support\/messages\/for-customer" data-for-customer/, 'the inbox links to the form');
    const form = await browser.get('/g/support/messages/for-customer');
    t.equal(form.statusCode, 200);
    t.match(form.body, /name="email"[\s\S]*name="name"[\s\S]*name="channel"[\s\S]*name="title"[\s\S]*name="raw"/, 'the customer, how it came in, the subject, what they said');
    const posted = await browser.post('/g/support/messages/for-customer', { email: 'CAROL@customer.test', title: 'Came by the shop', raw: 'Carol wants a refund for order 42.', channel: 'in_person' });
    t.equal(posted.statusCode, 303, posted.body.match(/class="flash error"[^>]*>([^<]*)/)?.[1] ?? '');
    const topicId = Number(/\/(\d+)$/.exec(String(posted.headers.location))![1]);
    const topic = await h.core.db.selectFrom('topics').select('user_id').where('id', '=', topicId).executeTakeFirstOrThrow();
    t.equal(topic.user_id, carol.user!.id, 'Carol\'s own account is the author');
    t.equal(provisioned.length, 1, 'no new account');
    t.match((await admin.json(`/api/t/${topicId}`)).posts.map((p: { raw: string }) => p.raw).join('\n'), /on behalf of Carol Known \(carol@customer\.test\), in person/);
    t.match((await browser.get(String(posted.headers.location))).body, /your replies reach them by mail/);
  });

  await t.test('what to fix, with the form kept; nothing is made', async (t) => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ email: '', title: 'Hello there', raw: 'Text' }, /Enter the customer&#x27;s email address/],
      [{ email: 'not an address', title: 'Hello there', raw: 'Text' }, /is not an email address/],
      [{ email: 'new@customer.test', title: 'Hi', raw: 'Text' }, /subject of at least 3 characters/],
      [{ email: 'new@customer.test', title: 'Hello there', raw: ' ' }, /Write down what the customer said/],
      [{ email: 'new@customer.test', title: 'Hello there', raw: 'Text', channel: 'pigeon' }, /Say how it came in: phone, in_person, chat, other/],
      [{ email: 'support@forum.test', title: 'Hello there', raw: 'Text' }, /one of this forum&#x27;s own addresses/],
      [{ email: 'alice@example.com', title: 'Hello there', raw: 'Text' }, /belongs to alice, a member of @support/],
    ];
    const browser = await formBrowser(h, 'alice');
    for (const [fields, message] of cases) {
      const res = await browser.post('/g/support/messages/for-customer', fields);
      t.equal(res.statusCode, 400, JSON.stringify(fields));
      t.match(res.body, message);
    }
    const kept = await browser.post('/g/support/messages/for-customer', { email: 'new@customer.test', title: 'Hi', raw: 'Keep what I typed' });
    t.match(kept.body, /value="new@customer\.test"/, 'the form keeps what was typed');
    t.match(kept.body, /Keep what I typed/);
    const api = await alice.post('/api/group-inbox/support/messages', { email: 'nope', title: 'Hello there', raw: 'Text' });
    t.equal(api.statusCode, 400);
    t.match(api.json(), { error: 'PARLEY_ERR_BAD_INPUT', field: 'email' });
    t.notOk(await h.core.services.users.findByEmail('new@customer.test'), 'no account was made');
  });

  await t.test('with staged-accounts off, a new address is refused clearly', async (t) => {
    await h.core.plugins.setEnabled('staged-accounts', false);
    t.teardown(() => h.core.plugins.setEnabled('staged-accounts', true));
    const res = await alice.post('/api/group-inbox/support/messages', { email: 'late@customer.test', title: 'Calling about my order', raw: 'Where is it?' });
    t.equal(res.statusCode, 400);
    t.match(res.json().message, /Nobody has an account with late@customer\.test.*staged-accounts plugin/);
    t.notOk(await h.core.services.users.findByEmail('late@customer.test'));
    const known = await alice.post('/api/group-inbox/support/messages', { email: 'carol@customer.test', title: 'Calling about my order', raw: 'Where is it?' });
    t.equal(known.statusCode, 201, 'an existing account still works');
  });
});
