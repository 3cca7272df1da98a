import net from 'node:net';
import t, { type Test } from 'tap';
import { siteSettings } from '../../../core/admin/site-settings.ts';
import { SmtpReceiver, type SmtpReceiverDeps, type SmtpReceiverOptions } from '../../../core/mail/receive/smtp-receiver.ts';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { rawMail } from '../../helpers/mail.ts';

async function mailForum(h: TestApp): Promise<void> {
  await h.user('carol', { email: 'carol@customer.test' });
  const category = await h.publicCategory('Help');
  await h.core.db.updateTable('categories').set({ email_in: 'help@forum.test' }).where('id', '=', category.id).execute();
}

/** A bare SMTP client: each call sends one line (or nothing) and resolves to the server's whole reply. */
async function smtpClient(port: number): Promise<{ greeting: string; say(line: string): Promise<string>; data(raw: Buffer): Promise<string>; closed: Promise<void>; end(): void }> {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = '';
  let waiting: ((reply: string) => void) | null = null;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    const end = /(^|\r\n)\d{3} [^\r\n]*\r\n$/.exec(buffer); // a reply ends with a "NNN " line
    if (end && waiting) { const reply = buffer.trimEnd(); buffer = ''; const w = waiting; waiting = null; w(reply); }
  });
  const next = () => new Promise<string>((resolve) => { waiting = resolve; });
  const greeting = await next();
  return {
    greeting,
    say: (line) => { const reply = next(); socket.write(`${line}\r\n`); return reply; },
    data: async (raw) => { const reply = next(); socket.write(Buffer.concat([raw, Buffer.from('\r\n.\r\n')])); return reply; },
    closed,
    end: () => socket.end(),
  };
}

async function receiverFor(t: Test, h: TestApp, opts: Partial<SmtpReceiverOptions> = {}, deps: Partial<SmtpReceiverDeps> = {}): Promise<number> {
  const receiver = new SmtpReceiver({ receiver: h.core.mail.receiver, ownDomain: async () => (await h.core.mail.addresses()).domain, log: h.core.log, ...deps }, {
    host: '127.0.0.1', port: 0, domains: ['forum.test'], maxEmailBytes: 4000, hostname: 'mx.forum.test', ...opts,
  });
  const port = await receiver.listen();
  t.teardown(() => receiver.close());
  return port;
}

t.test('mail for a forum domain is stored, answered 250 with its email id, and becomes a post', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const port = await receiverFor(t, h);
  const c = await smtpClient(port);
  t.match(c.greeting, /^220 mx\.forum\.test ESMTP Parley/);
  const ehlo = await c.say('EHLO sender.customer.test');
  t.match(ehlo, /250[- ]SIZE 4000/, 'the size limit is advertised');
  t.notMatch(ehlo, /AUTH|STARTTLS/, 'no AUTH for inbound mail');
  t.match(await c.say('MAIL FROM:<bounces@customer.test>'), /^250/);
  t.match(await c.say('RCPT TO:<Help@Forum.test>'), /^250/);
  const refused = await c.say('RCPT TO:<someone@elsewhere.test>');
  t.match(refused, /^550 5\.1\.1 <someone@elsewhere\.test>: no such recipient here; this server takes mail for forum\.test only/);
  t.match(await c.say('DATA'), /^354/);
  const done = await c.data(rawMail({ to: 'everyone@lists.test', messageId: 'smtp-1@customer.test' }));
  const match = /^250 2\.6\.0 Stored as email (\d+) \(created\)$/.exec(done);
  t.ok(match, done);
  t.match(await c.say('QUIT'), /^221/);
  const row = await h.core.db.selectFrom('incoming_emails').selectAll().where('id', '=', Number(match![1])).executeTakeFirstOrThrow();
  t.match(row, { source: 'smtp', status: 'created', post_id: Number, envelope_recipients: ['help@forum.test'] });
  t.match(Buffer.from(row.raw).toString(), /^Return-Path: <bounces@customer\.test>\r\nReceived: from sender\.customer\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.forum\.test \(Parley\) with ESMTP/);
});

t.test('a message over the size limit is refused with 552 and not stored', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const port = await receiverFor(t, h);
  const c = await smtpClient(port);
  await c.say('EHLO sender.customer.test');
  t.match(await c.say('MAIL FROM:<carol@customer.test> SIZE=9000'), /^552 .*size/i, 'a declared size over the limit is refused at once');
  t.match(await c.say('MAIL FROM:<carol@customer.test>'), /^250/);
  await c.say('RCPT TO:<help@forum.test>');
  await c.say('DATA');
  t.match(await c.data(rawMail({ body: 'x'.repeat(6000) })), /^552 5\.3\.4/);
  t.equal((await h.core.db.selectFrom('incoming_emails').select('id').execute()).length, 0);
  c.end();
});

t.test('when storing fails the answer is 451, so the sender keeps the message and retries; a failed decision still gets 250', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await mailForum(h);
  const real = h.core.mail.receiver;
  const down = await receiverFor(t, h, {}, { receiver: { store: () => Promise.reject(new Error('database down')), process: real.process.bind(real) }, log: { error: () => {}, info: () => {} } });
  const c = await smtpClient(down);
  await c.say('EHLO sender.customer.test');
  await c.say('MAIL FROM:<carol@customer.test>');
  await c.say('RCPT TO:<help@forum.test>');
  await c.say('DATA');
  t.match(await c.data(rawMail()), /^451 4\.3\.0 The message could not be stored; please try again later/);
  c.end();

  const undecided = await receiverFor(t, h, {}, { receiver: { store: real.store.bind(real), process: () => Promise.reject(new Error('lost the connection')) }, log: { error: () => {}, info: () => {} } });
  const d = await smtpClient(undecided);
  await d.say('EHLO sender.customer.test');
  await d.say('MAIL FROM:<carol@customer.test>');
  await d.say('RCPT TO:<help@forum.test>');
  await d.say('DATA');
  t.match(await d.data(rawMail({ messageId: 'later@customer.test' })), /^250 2\.6\.0 Stored as email \d+$/);
  d.end();
  t.equal(await real.processPending(0), 1, 'the recovery job decides it');
  t.match(await h.core.db.selectFrom('incoming_emails').select('status').executeTakeFirstOrThrow(), { status: 'created' });
});

t.test('one address may hold only a few connections at once', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  const port = await receiverFor(t, h, { maxConnectionsPerIp: 2 });
  const a = await smtpClient(port);
  const b = await smtpClient(port);
  t.match(a.greeting, /^220/);
  t.match(b.greeting, /^220/);
  const c = await smtpClient(port);
  t.match(c.greeting, /^421 .*Too many connections from 127\.0\.0\.1/);
  await c.closed;
  a.end();
  await a.closed;
  await new Promise((r) => setTimeout(r, 50));
  const d = await smtpClient(port);
  t.match(d.greeting, /^220/, 'a slot frees up when a connection closes');
  b.end();
  d.end();
});

t.test('without configured domains the receiver takes mail for the domain of the site’s own addresses', async (t) => {
  const h = await testApp();
  t.teardown(() => h.close());
  await siteSettings(h.core).update({ emailFrom: 'forum@Support.Example.org' });
  const port = await receiverFor(t, h, { domains: [] });
  const c = await smtpClient(port);
  await c.say('EHLO sender.customer.test');
  await c.say('MAIL FROM:<carol@customer.test>');
  t.match(await c.say('RCPT TO:<help@support.example.org>'), /^250/);
  t.match(await c.say('RCPT TO:<help@forum.test>'), /^550 .*support\.example\.org only/);
  c.end();
});
