import { issueApiKey } from '../../core/auth/api-keys.ts';
import type { TestApp } from './app.ts';

/** A raw RFC 5322 message; headers override the defaults, null removes one. */
export function rawMail(opts: { from?: string; to?: string; subject?: string; body?: string; messageId?: string | null; headers?: Record<string, string | null> } = {}): Buffer {
  const headers: Record<string, string | null> = {
    From: opts.from ?? 'Carol Customer <carol@customer.test>',
    To: opts.to ?? 'help@forum.test',
    Subject: opts.subject ?? 'My printer is on fire',
    Date: 'Sun, 22 Nov 2026 10:00:00 +0000',
    'Message-ID': opts.messageId === null ? null : `<${opts.messageId ?? `${Math.random().toString(36).slice(2)}@customer.test`}>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...opts.headers,
  };
  const lines = Object.entries(headers).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${(opts.body ?? 'Hello, it started smoking this morning. What should I do?').replace(/\r?\n/g, '\r\n')}\r\n`);
}

/** An admin API key with the email:receive scope, and a function that posts raw mail with it. */
export async function mailDelivery(h: TestApp, adminId: number) {
  const { key } = await issueApiKey(h.core.db, { userId: adminId, scopes: ['email:receive'], description: 'MTA', createdById: adminId });
  return async (raw: Buffer, recipients: string[] = []) => {
    const query = recipients.map((r) => `recipient=${encodeURIComponent(r)}`).join('&');
    return h.app.inject({ method: 'POST', url: `/admin/email/receive${query ? `?${query}` : ''}`, payload: raw, headers: { 'api-key': key, 'content-type': 'message/rfc822' } });
  };
}
