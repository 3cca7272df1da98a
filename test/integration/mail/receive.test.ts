import t from 'tap';
import { testApp } from '../../helpers/app.ts';
import { mailDelivery, rawMail } from '../../helpers/mail.ts';

t.test('mail to a category address starts a topic; a reply by Message-ID continues it', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
  const deliver = await mailDelivery(h, admin.user!.id);

  const first = await deliver(rawMail({ messageId: 'first@customer.test' }));
  t.equal(first.statusCode, 200, first.body);
  const outcome = first.json();
  t.equal(outcome.status, 'created', first.body);
  const topic = await h.core.db.selectFrom('topics').selectAll().where('id', '=', outcome.topicId).executeTakeFirstOrThrow();
  t.equal(topic.title, 'My printer is on fire');
  t.equal(topic.category_id, category.id);
  const post = await h.core.db.selectFrom('posts').selectAll().where('id', '=', outcome.postId).executeTakeFirstOrThrow();
  t.equal(post.via, 'email');
  t.match(post.raw, /started smoking/);

  const reply = (await deliver(rawMail({
    subject: 'Re: My printer is on fire', messageId: 'second@customer.test',
    headers: { 'In-Reply-To': '<first@customer.test>', References: '<first@customer.test>' },
    body: 'It is out now, thanks.\n\nOn Sun, 22 Nov 2026 at 10:00, Carol <carol@customer.test> wrote:\n> Hello, it started smoking this morning.\n',
  }))).json();
  t.equal(reply.status, 'created');
  t.equal(reply.topicId, outcome.topicId);
  const replyPost = await h.core.db.selectFrom('posts').selectAll().where('id', '=', reply.postId).executeTakeFirstOrThrow();
  t.equal(replyPost.raw, 'It is out now, thanks.');
  const stored = await h.core.db.selectFrom('incoming_emails').select(['elided', 'trace']).where('id', '=', reply.id).executeTakeFirstOrThrow();
  t.match(stored.elided, /wrote:/);
  t.ok(stored.trace.some((s) => s.step === 'thread' && /by message-id/.test(s.decision)), JSON.stringify(stored.trace));

  const again = (await deliver(rawMail({ messageId: 'first@customer.test' }))).json();
  t.equal(again.status, 'duplicate', 'the same Message-ID to the same destination makes no second post');
  t.equal(await h.core.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n)), 2);

  const unknown = (await deliver(rawMail({ from: 'stranger@elsewhere.test', messageId: 'x1@elsewhere.test' }))).json();
  t.equal(unknown.status, 'rejected');
  t.equal(unknown.reason, 'unknown_sender');
  const notice = await h.core.db.selectFrom('outgoing_emails').selectAll().where('kind', '=', 'rejection').execute();
  t.equal(notice.length, 1, 'the sender is told once');
  t.equal(notice[0]!.to_address, 'stranger@elsewhere.test');
  t.match(notice[0]!.text_body, /could not match your email address/);
  const twice = (await deliver(rawMail({ from: 'stranger@elsewhere.test', messageId: 'x2@elsewhere.test' }))).json();
  t.equal(twice.reason, 'unknown_sender');
  t.equal((await h.core.db.selectFrom('outgoing_emails').selectAll().where('kind', '=', 'rejection').execute()).length, 1, 'at most one notice per sender and reason per day');

  const auto = (await deliver(rawMail({ messageId: 'ooo@customer.test', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }))).json();
  t.equal(auto.status, 'rejected');
  t.equal(auto.reason, 'auto_generated');

  const nowhere = (await deliver(rawMail({ to: 'nobody@forum.test', messageId: 'n@customer.test' }))).json();
  t.equal(nowhere.reason, 'no_destination');
});

t.test('the receive endpoint wants an admin API key with the email:receive scope', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const bySession = await admin.post('/admin/email/receive', { email: rawMail().toString() });
  t.equal(bySession.statusCode, 401);
  const deliver = await mailDelivery(h, admin.user!.id);
  const empty = await deliver(Buffer.alloc(0));
  t.equal(empty.statusCode, 400);
  t.equal(await h.core.db.selectFrom('incoming_emails').select('id').execute().then((r) => r.length), 0);
});

t.test('admins set a category incoming address; one address belongs to one category', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const a = await h.publicCategory('Help');
  const b = await h.publicCategory('Sales');
  const set = await admin.post(`/admin/categories/${a.id}`, { name: 'Help', description: '', color: '#0088cc', position: '0', email_in: 'Help@Forum.test', 'perm_group[]': ['everyone'], 'perm_level[]': ['create'] });
  t.equal(set.statusCode, 303, set.body);
  const row = await h.core.db.selectFrom('categories').select('email_in').where('id', '=', a.id).executeTakeFirstOrThrow();
  t.equal(row.email_in, 'help@forum.test');
  const clash = await admin.put(`/api/categories/${b.id}`, { emailIn: 'help@forum.test' });
  t.equal(clash.statusCode, 409);
  t.match(clash.json().message, /already belongs to the category Help/);
  const bad = await admin.put(`/api/categories/${b.id}`, { emailIn: 'not-an-address' });
  t.equal(bad.statusCode, 400);
  const page = await admin.get(`/admin/categories/${a.id}`);
  t.match(page.body, /value="help@forum\.test"/);
});

t.test('readers of an emailed post can expand what was trimmed; others see nothing of it', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  const carol = await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
  const deliver = await mailDelivery(h, admin.user!.id);
  const out = (await deliver(rawMail({ body: 'The new part.\n\n-- \nCarol Customer\nACME Ltd, phone 555-0100\n' }))).json();
  t.equal(out.status, 'created');
  const page = await carol.get(`/t/x/${out.topicId}`);
  t.match(page.body, /The new part\./);
  t.match(page.body, /<details class="elided"><summary[^>]*>Show trimmed content<\/summary><pre>[^<]*ACME Ltd/);
  const fragment = await carol.get(`/t/${out.topicId}/posts/1/fragment`);
  t.match(fragment.body, /ACME Ltd/);
});

t.test('the same mail decided by two receivers at the same moment makes one post, and the other is a duplicate', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
  const receiver = h.core.mail.receiver;
  const raw = rawMail({ messageId: 'twice@customer.test' });
  for (let round = 0; round < 5; round++) {
    const copy = Buffer.from(raw.toString().replace('twice@', `twice-${round}@`));
    // By IMAP and by HTTP at once (two stored copies): on PostgreSQL the two decisions run side by side.
    const outcomes = await Promise.all([
      receiver.receive(copy, { source: 'imap', sourceRef: `INBOX:1:${round}` }),
      receiver.receive(copy, { source: 'http' }),
    ]);
    t.same(outcomes.map((o) => o.status).sort(), ['created', 'duplicate'], `round ${round}: ${JSON.stringify(outcomes)}`);
    t.equal(outcomes[0]!.postId, outcomes[1]!.postId, 'the duplicate names the post the mail became');
  }
  const posts = await h.core.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(posts.n), 5);
});
