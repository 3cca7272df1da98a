// The built-in SMTP receiver: an MX (or a relay's next hop) for the forum's domains, so a small
// install needs no Postfix. It takes mail for the configured domains only, refuses what is too
// large before storing anything, and answers 250 only once the raw message is committed: a 4xx
// makes the sending server keep the message and try again, so nothing is lost on the way in.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerError, type SMTPServerSession } from 'smtp-server';
import type { MailReceiver } from './mail-receiver.ts';

export interface SmtpReceiverOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Recipient domains accepted at RCPT TO; when empty, the domain of Parley's own addresses. */
  domains: string[];
  maxEmailBytes: number;
  /** Name in the greeting and in the Received header. */
  hostname: string;
  /** Connections open at once, from everyone (default 100). */
  maxClients?: number;
  /** Connections open at once from one IP address (default 10): one sender cannot take every slot. */
  maxConnectionsPerIp?: number;
}

export interface SmtpReceiverDeps {
  receiver: Pick<MailReceiver, 'store' | 'process'>;
  /** The domain of Parley's own addresses, from the current site settings. */
  ownDomain: () => Promise<string>;
  log: { error(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

const smtpError = (code: number, message: string): SMTPServerError => Object.assign(new Error(message), { responseCode: code });

/** The trace headers a final delivery agent prepends (RFC 5321 §4.4): who handed it over, and the envelope sender. */
export function traceHeaders(session: SMTPServerSession, hostname: string, now: Date): Buffer {
  const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const helo = (session.hostNameAppearsAs || 'unknown').replace(/[^\w.:[\]-]/g, '');
  return Buffer.from(`Return-Path: <${from.replace(/[\r\n<>]/g, '')}>\r\n`
    + `Received: from ${helo} ([${session.remoteAddress}])\r\n\tby ${hostname} (Parley) with ${session.transmissionType || 'ESMTP'} id ${session.id};\r\n\t${now.toUTCString().replace('GMT', '+0000')}\r\n`);
}

export class SmtpReceiver {
  private readonly server: SMTPServer;
  private readonly perIp = new Map<string, number>();
  private readonly counted = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: SmtpReceiverDeps, private readonly opts: SmtpReceiverOptions) {
    this.server = new SMTPServer({
      name: opts.hostname,
      banner: 'Parley',
      logger: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: false,
      size: opts.maxEmailBytes,
      rejectOversized: true,
      maxClients: opts.maxClients ?? 100,
      maxRecipients: 100,
      closeTimeout: 5000,
      onConnect: (session, done) => done(this.admit(session)),
      onClose: (session) => this.release(session),
      onRcptTo: (address, _session, done) => { this.checkRecipient(address.address).then(() => done(), done); },
      onData: (stream, session, done) => { this.track(this.onData(stream, session)).then((reply) => done(null, reply), done); },
    });
    this.server.on('error', (err) => deps.log.error({ err }, 'SMTP receiver connection error'));
  }

  /** Starts listening; resolves to the port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.server.off('error', reject);
        resolve((this.server.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections, lets open sessions finish (up to 5 s), and waits for messages being stored or decided. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
  }

  private admit(session: SMTPServerSession): SMTPServerError | null {
    const ip = session.remoteAddress;
    const open = this.perIp.get(ip) ?? 0;
    if (open >= (this.opts.maxConnectionsPerIp ?? 10)) return smtpError(421, `Too many connections from ${ip}; try again in a moment.`);
    this.perIp.set(ip, open + 1);
    this.counted.add(session.id);
    return null;
  }

  private release(session: SMTPServerSession): void {
    if (!this.counted.delete(session.id)) return;
    const left = (this.perIp.get(session.remoteAddress) ?? 1) - 1;
    if (left > 0) this.perIp.set(session.remoteAddress, left);
    else this.perIp.delete(session.remoteAddress);
  }

  private async checkRecipient(address: string): Promise<void> {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    const domains = this.opts.domains.length ? this.opts.domains : [(await this.deps.ownDomain()).toLowerCase()];
    if (!address.includes('@') || !domains.includes(domain)) {
      throw smtpError(550, `<${address}>: no such recipient here; this server takes mail for ${domains.join(', ')} only.`);
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** 250 once stored, whatever the decision; 451 (try again later) when it could not be stored. */
  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) if (!stream.sizeExceeded) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw smtpError(552, `Message too large: this server takes at most ${this.opts.maxEmailBytes} bytes.`);
    const raw = Buffer.concat([traceHeaders(session, this.opts.hostname, new Date()), ...chunks]);
    const recipients = session.envelope.rcptTo.map((r) => r.address);
    let id: number;
    try {
      id = await this.deps.receiver.store(raw, { source: 'smtp', sourceRef: `${session.id}.${session.transaction}`, envelopeRecipients: recipients });
    } catch (err) {
      this.deps.log.error({ err }, 'SMTP receiver could not store a message');
      throw smtpError(451, 'The message could not be stored; please try again later.');
    }
    const outcome = await this.deps.receiver.process(id).catch((err: unknown) => {
      this.deps.log.error({ err, incomingEmailId: id }, 'deciding a message received by SMTP failed; the recovery job will retry');
      return null;
    });
    return `Stored as email ${id}${outcome ? ` (${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''})` : ''}`;
  }
}
