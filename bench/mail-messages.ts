import { createHash } from 'node:crypto';

/**
 * Realistic mixed mail for the pipeline benchmark, made on the fly and the same every run: new
 * questions, replies quoting the earlier mail (threaded by In-Reply-To), HTML newsletters-style
 * mail, mail with attachments (a pool of files, as signatures and logos repeat), out-of-office
 * replies and delivery failures. Each message has its own Message-ID.
 */
export interface BenchMailOptions { customers: number; to: string; domain: string }

const WORDS = ('printer invoice password account login refund shipping order label cable update screen battery '
  + 'support ticket billing error message server backup report export import calendar license upgrade '
  + 'the a we you it is not when after before please could would thanks again today yesterday morning').split(' ');

/** A deterministic pseudo-random source (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(rnd: () => number, words: number): string {
  const w = Array.from({ length: words }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
  return `${w[0][0].toUpperCase()}${w.join(' ').slice(1)}.`;
}

function paragraphs(rnd: () => number, count: number): string {
  return Array.from({ length: count }, () => Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => sentence(rnd, 6 + Math.floor(rnd() * 12))).join(' ')).join('\r\n\r\n');
}

const wrap = (b64: string) => b64.replace(/.{76}/g, '$&\r\n');

/** Twenty distinct attachments of 8 to 160 KB. */
const ATTACHMENTS = Array.from({ length: 20 }, (_, i) => {
  const size = 8192 * (1 + (i % 20));
  const bytes = Buffer.alloc(size);
  for (let j = 0; j < size; j += 32) createHash('sha256').update(`${i}:${j}`).digest().copy(bytes, j);
  const png = i % 2 === 0;
  if (png) Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  else Buffer.from('%PDF-1.4\n').copy(bytes, 0);
  return { name: png ? `screenshot-${i}.png` : `invoice-${i}.pdf`, type: png ? 'image/png' : 'application/pdf', base64: wrap(bytes.toString('base64')) };
});

export class BenchMail {
  private readonly sent: Array<{ messageId: string; subject: string; from: string; body: string }> = [];

  constructor(private readonly opts: BenchMailOptions) {}

  /** The i-th message: 45% new questions, 30% replies, 10% HTML, 10% with an attachment, 3% auto-replies, 2% bounces. */
  message(i: number): Buffer {
    const rnd = random(i * 7919 + 1);
    const kind = rnd();
    const customer = `customer${1 + Math.floor(rnd() * this.opts.customers)}`;
    const from = `${customer}@customer.test`;
    const messageId = `bench-${i}.${Math.floor(rnd() * 1e9).toString(36)}@customer.test`;
    const date = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toUTCString().replace('GMT', '+0000');
    const head = (extra: string[], subject: string, sender = `Customer ${customer.slice(8)} <${from}>`) => [
      `From: ${sender}`, `To: ${this.opts.to}`, `Subject: ${subject}`, `Date: ${date}`, `Message-ID: <${messageId}>`, 'MIME-Version: 1.0', ...extra,
    ].join('\r\n');
    const body = paragraphs(rnd, 1 + Math.floor(rnd() * 4));
    if (kind < 0.30 && this.sent.length > 0) {
      const earlier = this.sent[Math.floor(rnd() * this.sent.length)];
      const quoted = earlier.body.split('\r\n').map((l) => `> ${l}`).join('\r\n');
      return Buffer.from(`${head([`In-Reply-To: <${earlier.messageId}>`, `References: <${earlier.messageId}>`, 'Content-Type: text/plain; charset=utf-8'], `Re: ${earlier.subject}`)}\r\n\r\n`
        + `${body}\r\n\r\nOn ${date}, ${earlier.from} wrote:\r\n${quoted}\r\n\r\n-- \r\nSent from my phone\r\n`);
    }
    const subject = sentence(rnd, 3 + Math.floor(rnd() * 5)).slice(0, -1);
    if (kind < 0.75) return this.remember(messageId, subject, from, body, `${head(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], subject)}\r\n\r\n${body}\r\n\r\nRegards,\r\n${customer}\r\n`);
    const boundary = `=_b${i}`;
    if (kind < 0.85) {
      const html = `<html><body>${body.split('\r\n\r\n').map((p) => `<p style="font-family:Arial">${p}</p>`).join('')}<p><b>${customer}</b><br><a href="https://customer.test">customer.test</a></p></body></html>`;
      return this.remember(messageId, subject, from, body, `${head([`Content-Type: multipart/alternative; boundary="${boundary}"`], subject)}\r\n\r\n`
        + `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}\r\n`
        + `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n--${boundary}--\r\n`);
    }
    if (kind < 0.95) {
      const file = ATTACHMENTS[Math.floor(rnd() * ATTACHMENTS.length)];
      return this.remember(messageId, subject, from, body, `${head([`Content-Type: multipart/mixed; boundary="${boundary}"`], subject)}\r\n\r\n`
        + `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`
        + `--${boundary}\r\nContent-Type: ${file.type}; name="${file.name}"\r\nContent-Disposition: attachment; filename="${file.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${file.base64}\r\n--${boundary}--\r\n`);
    }
    if (kind < 0.98) {
      return Buffer.from(`${head(['Auto-Submitted: auto-replied', 'Content-Type: text/plain; charset=utf-8'], `Out of office: ${subject}`)}\r\n\r\nI am away until Monday and will answer your mail when I am back.\r\n`);
    }
    return Buffer.from([
      `From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>`, `To: ${this.opts.to}`, 'Subject: Undelivered Mail Returned to Sender', `Date: ${date}`,
      `Message-ID: <${messageId}>`, 'MIME-Version: 1.0', `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`, '',
      `--${boundary}`, 'Content-Type: text/plain', '', `I'm sorry to have to inform you that your message could not be delivered to ${from}.`, '',
      `--${boundary}`, 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.customer.test', '',
      `Final-Recipient: rfc822; ${from}`, 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 user unknown', '', `--${boundary}--`, '',
    ].join('\r\n'));
  }

  private remember(messageId: string, subject: string, from: string, body: string, raw: string): Buffer {
    this.sent.push({ messageId, subject, from, body });
    if (this.sent.length > 500) this.sent.shift();
    return Buffer.from(raw);
  }
}
