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


/**
 * A browser without scripts, logged in as `login`: posts URL-encoded forms (repeated fields for
 * `topicIds[]`) with the CSRF field, and gets HTML pages (a redirect's flash shows on the next one).
 */
export async function formBrowser(h: Awaited<ReturnType<typeof testApp>>, login: string) {
  const jar: Record<string, string> = {};
  const send = async (opts: { method: 'GET' | 'POST'; url: string; payload?: string | object; headers?: Record<string, string> }) => {
    const res = await h.app.inject({ ...opts, cookies: jar });
    for (const c of res.cookies as Array<{ name: string; value: string }>) jar[c.name] = c.value;
    return res;
  };
  const csrf = (await send({ method: 'GET', url: '/api/session/csrf' })).json().csrf as string;
  const session = await send({ method: 'POST', url: '/api/session', payload: { login, password: 'correct horse battery' }, headers: { 'x-csrf-token': csrf } });
  if (session.statusCode !== 200) throw new Error(`login ${login}: ${session.statusCode} ${session.body}`);
  return {
    get: (url: string) => send({ method: 'GET', url, headers: { accept: 'text/html' } }),
    post(url: string, fields: Record<string, string | string[]>) {
      const form = new URLSearchParams({ _csrf: csrf });
      for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
      return send({ method: 'POST', url, payload: form.toString(), headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' } });
    },
  };
}
