// The mailbox admin form and the lease, without a mail server (test/e2e/imap.e2e.test.ts talks to a real Dovecot).
import t from 'tap';
import { retryDelay } from '../../../core/mail/imap/mailbox-poller.ts';
import { claimLease, findMailbox, insertMailbox, releaseLease } from '../../../core/mail/imap/mailbox.repo.ts';
import { browser } from '../admin-browser.ts';
import { testApp } from '../../helpers/app.ts';

const valid = { name: 'Help desk', host: 'imap.example.test', port: '993', tls: 'true', username: 'help', password: 's3cret!', folder: 'INBOX', after_import: 'seen', enabled: 'true' };

t.test('the mailbox form says what to fix, keeps what was typed (but not the password) and stores nothing', async (t) => {
  const h = await testApp({ jobs: false });
  t.teardown(() => h.close());
  const admin = await browser(h, (await h.user('admin', { admin: true })).user);
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ password: '' }, /The password is required/],
    [{ port: '99999' }, /port must be a number from 1 to 65535/],
    [{ host: 'imap.example.test/inbox' }, /without spaces or slashes/],
    [{ name: '' }, /The name is required/],
    [{ after_import: 'move' }, /The folder to move imported mail to is required/],
    [{ after_import: 'move', move_to: 'INBOX' }, /must move to a different folder/],
    [{ after_import: 'delete' }, /Choose what happens to imported mail/],
  ];
  for (const [change, message] of cases) {
    const res = await admin.post('/admin/email/mailboxes', { ...valid, ...change });
    t.equal(res.statusCode, 400, JSON.stringify(change));
    t.match(res.body, message);
    if (change.password !== '') t.notMatch(res.body, /s3cret!/, 'the password is not echoed back');
    t.match(res.body, /value="imap\.example\.test/, 'the host typed is kept');
  }
  t.equal((await h.core.db.selectFrom('email_mailboxes').select('id').execute()).length, 0);

  const member = await browser(h, (await h.user('alice')).user);
  t.equal((await member.get('/admin/email/mailboxes')).statusCode, 404, 'members do not see the page');
  t.equal((await member.post('/admin/email/mailboxes', valid)).statusCode, 404, 'nor add mailboxes');
  t.equal((await h.core.db.selectFrom('email_mailboxes').select('id').execute()).length, 0);
});

t.test('mailboxes: add, edit (another folder starts afresh), check a disabled one, delete', async (t) => {
  const h = await testApp({ jobs: false });
  t.teardown(() => h.close());
  const admin = await browser(h, (await h.user('admin', { admin: true })).user);
  const listed = await admin.submit('/admin/email/mailboxes', valid);
  t.match(listed.body, /Mailbox Help desk added/);
  t.match(listed.body, /help@imap\.example\.test:993/);
  t.match(listed.body, /not checked yet/);
  const box = (await h.core.db.selectFrom('email_mailboxes').selectAll().executeTakeFirstOrThrow());
  t.match(box, { port: 993, tls: true, password: 's3cret!', after_import: 'seen', move_to: null, enabled: true });

  await h.core.db.updateTable('email_mailboxes').set({ uid_validity: '77', last_uid: 40, status: 'error', failures: 3, next_attempt_at: new Date(Date.now() + 60_000) }).execute();
  await admin.submit(`/admin/email/mailboxes/${box.id}`, { ...valid, password: '', folder: 'Support', after_import: 'move', move_to: 'Done', tls: [], enabled: [] });
  const moved = (await findMailbox(h.core.db, box.id))!;
  t.match(moved, { folder: 'Support', after_import: 'move', move_to: 'Done', tls: false, enabled: false, password: 's3cret!' });
  t.match(moved, { uid_validity: null, last_uid: 0, status: 'idle', failures: 0, next_attempt_at: null }, 'another folder is read from its start, at once');

  const checked = await admin.submit(`/admin/email/mailboxes/${box.id}/check`, {});
  t.match(checked.body, /is disabled: enable it to check it/);
  const gone = await admin.submit(`/admin/email/mailboxes/${box.id}/delete`, {});
  t.match(gone.body, /Mailbox Help desk deleted/);
  t.equal(await findMailbox(h.core.db, box.id), undefined);
  t.equal((await admin.get(`/admin/email/mailboxes/${box.id}`)).statusCode, 404);
});

t.test('a mailbox lease is held by one process at a time and can be taken over once it runs out', async (t) => {
  const h = await testApp({ jobs: false });
  t.teardown(() => h.close());
  const box = await insertMailbox(h.core.db, { name: 'x', host: 'h', port: 993, tls: true, username: 'u', password: 'p', folder: 'INBOX', after_import: 'seen', move_to: null, enabled: true });
  t.equal(await claimLease(h.core.db, box.id, 'a', 60_000), true, 'a free mailbox is taken');
  t.equal(await claimLease(h.core.db, box.id, 'b', 60_000), false, 'not by a second process while the lease runs');
  t.equal(await claimLease(h.core.db, box.id, 'a', 60_000), true, 'the holder renews it');
  await h.core.db.updateTable('email_mailboxes').set({ lease_expires_at: new Date(Date.now() - 1000) }).execute();
  t.equal(await claimLease(h.core.db, box.id, 'b', 60_000), true, 'an expired lease (its holder died) is taken over');
  await releaseLease(h.core.db, box.id, 'a');
  t.equal((await findMailbox(h.core.db, box.id))?.lease_owner, 'b', 'a former holder cannot release someone else\'s lease');
  await releaseLease(h.core.db, box.id, 'b');
  await h.core.db.updateTable('email_mailboxes').set({ enabled: false }).execute();
  t.equal(await claimLease(h.core.db, box.id, 'a', 60_000), false, 'a disabled mailbox is not polled');
});

t.test('retries back off exponentially, capped at 30 minutes', async (t) => {
  const opts = { retryBaseMs: 30_000, retryMaxMs: 30 * 60_000 };
  t.same([1, 2, 3, 4, 5, 6, 7, 50].map((n) => retryDelay(n, opts) / 1000), [30, 60, 120, 240, 480, 960, 1800, 1800]);
});
