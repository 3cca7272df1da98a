// IMAP mailboxes against a real Dovecot on loopback: mail in a folder becomes posts, exactly once,
// across restarts, renumbered folders and two processes; failures show in admin with back-off.
import { ImapFlow } from 'imapflow';
import t, { type Test } from 'tap';
import { buildApp } from '../../core/app.ts';
import type { Core } from '../../core/core.ts';
import { openDatabase } from '../../core/db/database.ts';
import { findMailbox, insertMailbox, type MailboxValues } from '../../core/mail/imap/mailbox.repo.ts';
import { browser } from '../integration/admin-browser.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { rawMail } from '../helpers/mail.ts';
import { dovecotBinary, startDovecot, type Dovecot } from '../helpers/servers/dovecot.ts';

const noDovecot = dovecotBinary() ? false : 'dovecot is not installed (apt-get install dovecot-imapd)';
let dovecot: Dovecot;
if (!noDovecot) {
  t.before(async () => { dovecot = await startDovecot(); });
  t.teardown(() => dovecot?.stop());
}

/** A forum whose Help category takes mail to help@forum.test, from Carol, who has an account. */
async function forum(): Promise<TestApp & { admin: Awaited<ReturnType<TestApp['user']>> }> {
  const h = await testApp();
  const admin = await h.user('admin', { admin: true });
  await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
  return Object.assign(h, { admin });
}

/** A fresh IMAP account, and a client on it for the test to append and look with. */
async function account(t: Test, name: string) {
  const pass = `pw-${name}-${Math.random().toString(36).slice(2, 8)}`;
  await dovecot.setUser(name, pass);
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: name, pass }, logger: false });
  await client.connect();
  t.teardown(() => client.logout().catch(() => {}));
  return { name, pass, client };
}

async function addMailbox(core: Core, acc: { name: string; pass: string }, values: Partial<MailboxValues> = {}) {
  const box = await insertMailbox(core.db, {
    name: acc.name, host: dovecot.host, port: dovecot.port, tls: false, username: acc.name, password: acc.pass,
    folder: 'INBOX', after_import: 'seen', move_to: null, enabled: true, ...values,
  });
  await core.mail.imap.changed();
  return box;
}

/** Waits until `check` returns something truthy, and returns it. */
async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const count = async (core: Core, table: 'posts' | 'incoming_emails') =>
  Number((await core.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const created = async (core: Core) =>
  Number((await core.db.selectFrom('incoming_emails').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'created').executeTakeFirstOrThrow()).n);
const postsReach = (core: Core, n: number) => until(`${n} posts from mail`, async () => (await created(core)) >= n);

t.test('mail in an IMAP folder becomes posts and is marked read; new mail arrives through IDLE', { skip: noDovecot }, async (t) => {
  const h = await forum();
  t.teardown(() => h.close());
  const acc = await account(t, 'support');
  await acc.client.append('INBOX', rawMail({ subject: 'Printer on fire' }));
  await acc.client.append('INBOX', rawMail({ subject: 'Scanner jammed' }));
  const admin = await browser(h, h.admin.user);
  const page = await admin.submit('/admin/email/mailboxes', {
    name: 'Support inbox', host: dovecot.host, port: String(dovecot.port), username: acc.name, password: acc.pass,
    folder: 'INBOX', after_import: 'seen', enabled: 'true',
  });
  t.match(page.body, /Mailbox Support inbox added/);
  await postsReach(h.core, 2);
  const titles = (await h.core.db.selectFrom('topics').select('title').orderBy('id').execute()).map((r) => r.title);
  t.same(titles, ['Printer on fire', 'Scanner jammed'], 'each message started a topic, in order');

  const started = Date.now();
  await acc.client.append('INBOX', rawMail({ subject: 'Toner everywhere' }));
  await until('the third post', async () => (await created(h.core)) >= 3, 45_000);
  t.ok(Date.now() - started < 30_000, 'new mail is taken at once (IDLE), without waiting for the minute poll');

  await acc.client.mailboxOpen('INBOX');
  const flags = (await acc.client.fetchAll('1:*', { flags: true })).map((m) => m.flags?.has('\\Seen'));
  t.same(flags, [true, true, true], 'imported messages are marked read and stay in the folder');
  const box = (await h.core.db.selectFrom('email_mailboxes').selectAll().executeTakeFirstOrThrow());
  t.match(box, { status: 'ok', failures: 0, last_uid: 3, imported_count: 3, last_error: null });
  t.ok(box.uid_validity, 'the folder\'s UIDVALIDITY is remembered');
  const list = (await admin.get('/admin/email/mailboxes')).body;
  t.match(list, /Support inbox/);
  t.match(list, /<td data-imported>3<\/td>/);
  t.match(list, /working/);
  t.notMatch(list, new RegExp(acc.pass), 'the password is never shown');
  t.notMatch((await admin.get(`/admin/email/mailboxes/${box.id}`)).body, new RegExp(acc.pass), 'not even on the edit form');
});

t.test('a restart after a crash imports nothing twice and takes over the dead process\'s lease', { skip: noDovecot }, async (t) => {
  const h = await forum();
  const acc = await account(t, 'restart');
  await acc.client.append('INBOX', rawMail({ subject: 'One' }));
  await acc.client.append('INBOX', rawMail({ subject: 'Two' }));
  const box = await addMailbox(h.core, acc);
  await postsReach(h.core, 2);
  await h.app.close();
  // As if the process died after handing message 2 over but before saving its UID, holding a lease that has since run out.
  await h.core.db.updateTable('email_mailboxes').set({ last_uid: 1, lease_owner: 'crashed-process', lease_expires_at: new Date(Date.now() - 1000) }).execute();

  const again = await buildApp({ database: h.core.database, logger: false, config: { dataDir: '/tmp/parley-test-data' } });
  t.teardown(async () => { await again.close(); await h.core.database.close(); });
  await acc.client.append('INBOX', rawMail({ subject: 'Three' }));
  await postsReach(again.parley, 3);
  await until('the last UID saved', async () => (await findMailbox(again.parley.db, box.id))?.last_uid === 3);
  t.equal(await count(again.parley, 'incoming_emails'), 3, 'message 2, fetched again, is stored once');
  t.equal(await count(again.parley, 'posts'), 3);
  t.equal((await findMailbox(again.parley.db, box.id))?.lease_owner, again.parley.mail.imap.owner, 'the new process holds the lease');
});

t.test('a renumbered folder (new UIDVALIDITY) is read again: nothing duplicated, nothing skipped', { skip: noDovecot }, async (t) => {
  const h = await forum();
  t.teardown(() => h.close());
  const acc = await account(t, 'renumber');
  await acc.client.mailboxCreate('Support');
  const first = rawMail({ subject: 'Before the move', messageId: 'before@customer.test' });
  await acc.client.append('Support', first);
  await acc.client.append('Support', rawMail({ subject: 'Also before' }));
  await acc.client.append('Support', rawMail({ subject: 'Third before' }));
  const box = await addMailbox(h.core, acc, { folder: 'Support' });
  await postsReach(h.core, 3);
  const old = (await findMailbox(h.core.db, box.id))!;

  // The folder is deleted and made again while Parley watches it: the server hangs up, then the UIDs start over.
  await acc.client.mailboxDelete('Support');
  await until('the lost folder recorded as an error', async () => (await findMailbox(h.core.db, box.id))?.status === 'error');
  await acc.client.mailboxCreate('Support');
  await acc.client.append('Support', first);
  await acc.client.append('Support', rawMail({ subject: 'After the move' }));
  await h.core.mail.imap.checkNow(box.id);
  await postsReach(h.core, 4);
  const now = await until('the new folder read', async () => {
    const row = await findMailbox(h.core.db, box.id);
    return row?.last_uid === 2 && row;
  });
  t.not(now.uid_validity, old.uid_validity, 'the new UIDVALIDITY is recorded');
  t.equal(now.last_uid, 2, 'UIDs 1 and 2 were taken though the old last UID was 3');
  t.match(now.last_error, /UIDVALIDITY .* became/, 'admins can see the folder was read again');
  t.equal(await count(h.core, 'posts'), 4, 'the message seen before is not posted again');
  const copies = await h.core.db.selectFrom('incoming_emails').select('status').where('message_id', '=', 'before@customer.test').orderBy('id').execute();
  t.same(copies.map((c) => c.status), ['created', 'duplicate']);
  t.ok((await h.core.db.selectFrom('topics').select('id').where('title', '=', 'After the move').executeTakeFirst()), 'the new message is posted');
});

t.test('after import, mail can be moved to another folder (created if missing)', { skip: noDovecot }, async (t) => {
  const h = await forum();
  t.teardown(() => h.close());
  const acc = await account(t, 'mover');
  await acc.client.append('INBOX', rawMail({ subject: 'Move me' }));
  await acc.client.append('INBOX', rawMail({ subject: 'Me too' }));
  await addMailbox(h.core, acc, { after_import: 'move', move_to: 'Imported' });
  await postsReach(h.core, 2);
  const messages = async (folder: string) => { const s = await acc.client.status(folder, { messages: true }); return s ? s.messages : -1; };
  await until('the folder emptied', async () => (await messages('INBOX')) === 0);
  t.equal(await messages('Imported'), 2, 'both messages are in Imported');
});

t.test('a wrong password shows as an error in admin, retried with growing back-off; fixing it resumes', { skip: noDovecot }, async (t) => {
  const h = await forum();
  t.teardown(() => h.close());
  const acc = await account(t, 'locked');
  const box = await addMailbox(h.core, { name: acc.name, pass: 'not-the-password' });
  const first = await until('the failure recorded', async () => { const b = await findMailbox(h.core.db, box.id); return b?.status === 'error' && b; });
  t.match(first, { failures: 1, last_error: /refused the username or password/ });
  t.equal(first.next_attempt_at!.getTime() - first.last_error_at!.getTime(), 30_000, 'the first retry waits 30 seconds');
  const admin = await browser(h, h.admin.user);
  const list = (await admin.get('/admin/email/mailboxes')).body;
  t.match(list, /failing/);
  t.match(list, /refused the username or password/);
  t.match(list, /<td data-next-attempt><time/, 'the next retry is shown');

  const checked = await admin.submit(`/admin/email/mailboxes/${box.id}/check`, {});
  t.match(checked.body, /Checking locked now/);
  const second = await until('the second failure', async () => { const b = await findMailbox(h.core.db, box.id); return b?.failures === 2 && b; });
  t.equal(second.next_attempt_at!.getTime() - second.last_error_at!.getTime(), 60_000, 'each failure in a row doubles the wait');

  const form = { name: 'Locked', host: dovecot.host, port: String(dovecot.port), username: acc.name, folder: 'INBOX', after_import: 'seen', enabled: 'true' };
  await admin.submit(`/admin/email/mailboxes/${box.id}`, { ...form, password: acc.pass });
  const fixed = await until('the mailbox working', async () => { const b = await findMailbox(h.core.db, box.id); return b?.status === 'ok' && b; });
  t.match(fixed, { failures: 0, next_attempt_at: null });
  await admin.submit(`/admin/email/mailboxes/${box.id}`, { ...form, name: 'Unlocked', password: '' });
  t.equal((await findMailbox(h.core.db, box.id))?.password, acc.pass, 'a blank password on edit keeps the stored one');
  await acc.client.append('INBOX', rawMail({ subject: 'Finally through' }));
  await postsReach(h.core, 1);
  const page = (await admin.get(`/admin/email/mailboxes/${box.id}`)).body;
  t.match(page, /<h1>Unlocked<\/h1>/);
  t.notMatch(page, new RegExp(acc.pass), 'the password is never echoed');
});

t.test('two Parley processes on one PostgreSQL: one polls the mailbox, each message is imported once, the other takes over', { skip: noDovecot || (ENGINE !== 'postgres' && 'needs a PostgreSQL server (PGlite is one process)') }, async (t) => {
  const h = await forum();
  const second = await buildApp({ database: await openDatabase({ url: h.core.database.connectionString, poolSize: 4 }), logger: false, config: { dataDir: '/tmp/parley-test-data' } });
  t.teardown(async () => { await second.close().catch(() => {}); await second.parley.database.close(); await h.close(); });
  const acc = await account(t, 'shared');
  const box = await addMailbox(h.core, acc);
  await Promise.all([h.core.mail.imap.reload(), second.parley.mail.imap.reload()]);
  for (let i = 1; i <= 5; i++) await acc.client.append('INBOX', rawMail({ subject: `Shared ${i}` }));
  await postsReach(h.core, 5);
  t.equal(await count(h.core, 'incoming_emails'), 5, 'each message is stored once');
  const holders = [h.core, second.parley].filter((core) => core.mail.imap.polling.includes(box.id));
  t.equal(holders.length, 1, 'exactly one process polls the mailbox');

  const [holder, other] = holders[0] === h.core ? [h.app, second] : [second, h.app];
  await holder.close();
  await until('the other process takes over', async () => other.parley.mail.imap.polling.includes(box.id), 10_000);
  await acc.client.append('INBOX', rawMail({ subject: 'After the hand-over' }));
  await postsReach(other.parley, 6);
  t.equal(await count(other.parley, 'incoming_emails'), 6);
});
