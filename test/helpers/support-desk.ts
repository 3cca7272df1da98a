// What the support-desk tests share: a forum with a support team, and customer mail reaching it
// through the real mail pipeline. The app is the caller's, with the plugins its test needs
// (group-inbox at least).
import type { TestApp } from './app.ts';
import { rawMail } from './mail.ts';

export const SUPPORT_ADDRESS = 'support@forum.test';

/**
 * The support group with alice and bob on it and its inbox at support@forum.test; an admin;
 * mallory, on no team; and carol, the customer, signed up with carol@customer.test, or with
 * `stagedCustomer` not (her first mail makes her a staged account, "Carol Customer").
 */
export async function supportDesk(h: TestApp, opts: { stagedCustomer?: boolean } = {}) {
  const admin = await h.user('admin', { admin: true });
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const mallory = await h.user('mallory');
  const carol = opts.stagedCustomer ? null : await h.user('carol', { email: 'carol@customer.test' });
  await h.core.services.groups.create({ name: 'support' });
  await h.core.services.groups.addMembers(await h.core.services.users.viewerFor(admin.user!), 'support', ['alice', 'bob']);
  const saved = await admin.put('/api/group-inbox/support/settings', { addresses: [SUPPORT_ADDRESS] });
  if (saved.statusCode !== 200) throw new Error(`inbox settings: ${saved.body}`);
  /** Mail from carol to the inbox; `replyTo` (a Message-ID) threads it into an earlier mail. Answers the new post's topic id. */
  const mail = async (subject: string, m: { messageId?: string; replyTo?: string; body?: string } = {}) => (await h.core.mail.receiver.receive(rawMail({
    from: 'Carol Customer <carol@customer.test>', to: SUPPORT_ADDRESS, subject, messageId: m.messageId, body: m.body,
    headers: m.replyTo ? { 'In-Reply-To': `<${m.replyTo}>`, References: `<${m.replyTo}>` } : {},
  }), { source: 'http', envelopeRecipients: [SUPPORT_ADDRESS] })).topicId!;
  return { admin, alice, bob, mallory, carol, mail };
}
