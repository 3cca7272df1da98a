// What the group inbox's tests share: a forum with the support group, its inbox, and mail captured over SMTP.
import type { Test } from 'tap';
import { testApp } from '../../../test/helpers/app.ts';
import { rawMail } from '../../../test/helpers/mail.ts';
import { smtpSink } from '../../../test/integration/mail/send-smtp.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import groupInbox from '../index.ts';

/** Mail to the support inbox. */
export const mail = (opts: Parameters<typeof rawMail>[0] = {}) => rawMail({ to: 'Acme Support <support@forum.test>', ...opts });
export const strip = (id: string | undefined) => (id ?? '').replace(/^<|>$/g, '');

export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error('timed out waiting');
}

/** A forum with the support group (alice and bob), its inbox at support@forum.test, and mail captured over SMTP. */
export async function setup(t: Test, settings: Record<string, unknown> = {}) {
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

