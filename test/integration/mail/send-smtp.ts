// A real SMTP server for the sending tests: it accepts (or refuses) what Parley's nodemailer
// transport sends and keeps each message with its envelope, parsed by mailparser.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Delivered { mailFrom: string; rcptTo: string[]; raw: Buffer; mail: ParsedMail }

export interface SmtpSink {
  url: string;
  delivered: Delivered[];
  /** Refuse every message with this reply (e.g. 451, try later) instead of accepting it; null accepts. */
  refuseWith: { code: number; message: string } | null;
  /** Waits until `count` messages have arrived in all; returns them. */
  waitFor(count: number, timeoutMs?: number): Promise<Delivered[]>;
  close(): Promise<void>;
}

export async function smtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = {
    url: '', delivered: [], refuseWith: null,
    async waitFor(count, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (sink.delivered.length < count) {
        if (Date.now() > until) throw new Error(`Expected ${count} message(s) over SMTP, got ${sink.delivered.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return sink.delivered.slice(0, count);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true, allowInsecureAuth: true, disabledCommands: ['STARTTLS'], logger: false,
    // A transport with credentials logs in; any login is taken (this is a test's mail capture).
    onAuth(auth, _session, callback) { callback(null, { user: auth.username }); },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.refuseWith) {
          return callback(Object.assign(new Error(sink.refuseWith.message), { responseCode: sink.refuseWith.code }));
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((mail) => {
          const envelope = session.envelope;
          sink.delivered.push({ mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '', rcptTo: envelope.rcptTo.map((r) => r.address), raw, mail });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return sink;
}

/** A header's raw value, unfolded (mailparser turns some headers, List-* among them, into objects). */
export function header(mail: ParsedMail, name: string): string {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line ?? '';
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}
