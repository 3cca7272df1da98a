import t from 'tap';
import { browser, testApp } from '../../helpers/app.ts';
import { mailDelivery, rawMail } from '../../helpers/mail.ts';

t.test('admins see received mail with its status and trace, and can reprocess or release it', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const admin = await h.user('admin', { admin: true });
  await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
  const deliver = await mailDelivery(h, admin.user!.id);
  const page = await browser(h, admin.user);

  const spam = (await deliver(rawMail({ messageId: 'spam@customer.test', subject: 'Cheap watches', headers: { 'X-Spam-Flag': 'YES' } }))).json();
  t.equal(spam.status, 'rejected');
  t.equal(spam.reason, 'spam', 'a spam verdict holds the mail for review');
  const stranger = (await deliver(rawMail({ from: 'dave@unknown.test', messageId: 'dave@unknown.test' }))).json();
  t.equal(stranger.reason, 'unknown_sender');

  const list = await page('/admin/email');
  t.equal(list.statusCode, 200);
  t.match(list.body, /Cheap watches/);
  t.match(list.body, /held: spam/);
  t.match(list.body, /unknown_sender/);
  const held = await page('/admin/email?status=rejected&q=dave');
  t.match(held.body, /dave@unknown\.test/);
  t.notMatch(held.body, /Cheap watches/);

  const detail = await page(`/admin/email/received/${stranger.id}`);
  t.match(detail.body, /What happened, step by step/);
  t.match(detail.body, /no account has dave@unknown\.test/);
  t.match(detail.body, /Message-ID/);

  const raw = await page(`/admin/email/received/${stranger.id}/raw`);
  t.match(raw.headers['content-type'], /text\/plain/);
  t.match(raw.body, /From: Carol Customer|From: dave@unknown\.test/);

  t.test('releasing held spam posts it', async (t) => {
    const res = await admin.post(`/admin/email/received/${spam.id}/reprocess`, { release: 'spam' });
    t.equal(res.statusCode, 303, res.body);
    const row = await h.core.db.selectFrom('incoming_emails').select(['status', 'post_id']).where('id', '=', spam.id).executeTakeFirstOrThrow();
    t.equal(row.status, 'created');
    t.ok(row.post_id);
    const again = await admin.post(`/admin/email/received/${spam.id}/reprocess`, {});
    t.equal(again.statusCode, 409, 'a posted mail cannot be posted twice');
    t.match(again.body, /already posted/);
  });

  t.test('once the sender gets an account, reprocessing posts the mail', async (t) => {
    await h.user('dave', { email: 'dave@unknown.test' });
    const res = await admin.post(`/admin/email/received/${stranger.id}/reprocess`, {});
    t.equal(res.statusCode, 303);
    const row = await h.core.db.selectFrom('incoming_emails').select(['status', 'trace']).where('id', '=', stranger.id).executeTakeFirstOrThrow();
    t.equal(row.status, 'created');
    t.ok(row.trace.some((s) => s.step === 'reprocess'));
  });

  t.test('sender rules: a blocked domain is refused silently; an allowed address in it is not', async (t) => {
    t.equal((await admin.post('/admin/email/senders', { pattern: 'blocked.test', rule: 'block', note: 'abuse' })).statusCode, 303);
    t.equal((await admin.post('/admin/email/senders', { pattern: 'ok@sub.blocked.test', rule: 'allow' })).statusCode, 303);
    const bad = await admin.post('/admin/email/senders', { pattern: 'not an address', rule: 'block' });
    t.equal(bad.statusCode, 400);
    await h.user('okay', { email: 'ok@sub.blocked.test' });
    await h.user('eve', { email: 'eve@sub.blocked.test' });
    const blocked = (await deliver(rawMail({ from: 'eve@sub.blocked.test', messageId: 'eve1@blocked.test' }))).json();
    t.equal(blocked.reason, 'sender_blocked');
    t.equal((await h.core.db.selectFrom('outgoing_emails').select('id').where('to_address', '=', 'eve@sub.blocked.test').execute()).length, 0, 'blocked senders get no reply');
    const allowed = (await deliver(rawMail({ from: 'ok@sub.blocked.test', messageId: 'ok1@blocked.test' }))).json();
    t.equal(allowed.status, 'created');
    t.match((await page('/admin/email/senders')).body, /ok@sub\.blocked\.test/);
  });

  t.test('non-admins cannot see any of it', async (t) => {
    const carol = await browser(h, (await h.core.db.selectFrom('users').selectAll().where('username', '=', 'carol').executeTakeFirstOrThrow()));
    for (const url of ['/admin/email', `/admin/email/received/${stranger.id}`, `/admin/email/received/${stranger.id}/raw`, '/admin/email/senders']) {
      t.equal((await carol(url)).statusCode, 404, url);
    }
  });
});
