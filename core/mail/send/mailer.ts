// Outgoing mail: every message is a row in outgoing_emails first (in the caller's transaction),
// then a pg-boss job sends it through nodemailer. With no SMTP transport configured the row stays
// in the outbox for an admin to read; nothing is ever silently dropped.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { DB } from '../../db/schema.ts';
import type { Work } from '../../db/unit-of-work.ts';
import { badInput } from '../../errors.ts';
import type { Hooks } from '../../hooks/hooks.ts';
import type { Jobs } from '../../jobs/jobs.ts';
import type { Post } from '../../posts/posts.table.ts';
import type { Topic } from '../../topics/topics.table.ts';
import type { MailAddresses } from '../addresses.ts';
import type { OutgoingEmail, OutgoingStatus } from '../mail.table.ts';
import { isPostMessageId } from './threading.ts';

export const SEND_QUEUE = 'mail.send';
export const SEND_SWEEP_QUEUE = 'mail.send-sweep';
/** Attempts before a message is marked failed (the first try plus three retries with back-off). */
export const MAX_SEND_ATTEMPTS = 4;

/** A message to send. Only `kind`, `to`, `subject` and `text` are required. */
export interface OutgoingDraft {
  /** What the mail is, for the outbox and for plugins: 'notification', 'rejection', … */
  kind: string;
  to: string;
  toName?: string;
  subject: string;
  text: string;
  html?: string | null;
  /** Defaults to the site's identity (title and From address). */
  from?: string;
  fromName?: string;
  replyTo?: string | null;
  /** Defaults to a fresh id on the mail domain. */
  messageId?: string;
  inReplyTo?: string | null;
  references?: string[];
  headers?: Record<string, string>;
  userId?: number | null;
  topicId?: number | null;
  postId?: number | null;
  incomingEmailId?: number | null;
  /**
   * A named transport to send it by instead of `SMTP_URL` (a group's own SMTP server): the
   * `email-transport` filter turns the name into a nodemailer URL when the message goes out.
   */
  transport?: string | null;
}

/** What a message is about, for the `outgoing-email` filter. */
export interface DraftSubject { topic?: Topic | null; post?: Post | null }

export interface MailerDeps {
  db: Kysely<DB>;
  jobs: Jobs;
  hooks: Hooks;
  smtpUrl: string | null;
  /** Parley's addresses; given a transaction, as that transaction sees the site settings. */
  addresses: (trx?: Transaction<DB>) => Promise<MailAddresses>;
  log: { error(obj: unknown, msg?: string): void };
  now: () => Date;
}

export function formatAddress(name: string | undefined, address: string): string {
  if (!name) return address;
  return `"${name.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

export class Mailer {
  private readonly transports = new Map<string, Transporter>();

  constructor(private readonly deps: MailerDeps) {}

  /**
   * Records a message inside the caller's transaction and sends it after commit. Plugins reshape
   * the draft first (`outgoing-email`: a group's From, for one). An address that bounces is
   * recorded as suppressed instead; with no transport the message waits in the outbox.
   */
  async queue(work: Work, original: OutgoingDraft, about: DraftSubject = {}): Promise<OutgoingEmail> {
    const draft = await this.deps.hooks.filter('outgoing-email', original, {
      kind: original.kind, topic: about.topic ?? null, post: about.post ?? null, userId: original.userId ?? null, trx: work.trx,
    });
    const addresses = await this.deps.addresses(work.trx);
    const token = randomBytes(12).toString('hex');
    // Whether mail to the address has stopped (it bounced) is looked up by the insert itself.
    const stopped = work.trx.selectFrom('email_address_states').where('address_lower', '=', draft.to.trim().toLowerCase()).where('suppressed_at', 'is not', null);
    const row = await work.trx.insertInto('outgoing_emails').values({
      kind: draft.kind,
      status: sql<OutgoingStatus>`coalesce((${stopped.select(sql.lit('suppressed').as('s'))}), ${this.deps.smtpUrl || draft.transport ? 'queued' : 'outbox'})`,
      error: stopped.select(sql<string>`'Mail to this address has stopped: ' || coalesce(suppressed_reason, 'it bounced')`.as('e')),
      to_address: formatAddress(draft.toName, draft.to.trim()),
      from_address: formatAddress(draft.fromName ?? addresses.fromName, draft.from ?? addresses.from),
      reply_to: draft.replyTo ?? null,
      subject: draft.subject.replace(/[\r\n]+/g, ' ').slice(0, 998),
      message_id: draft.messageId ?? `${token}@${addresses.domain}`,
      in_reply_to: draft.inReplyTo ?? null,
      references_ids: draft.references ?? [],
      return_path: addresses.bounceAddress(token),
      headers: JSON.stringify(draft.headers ?? {}),
      text_body: draft.text, html_body: draft.html ?? null,
      user_id: draft.userId ?? null, topic_id: draft.topicId ?? null, post_id: draft.postId ?? null,
      incoming_email_id: draft.incomingEmailId ?? null, sent_at: null, transport: draft.transport ?? null,
    }).returningAll().executeTakeFirstOrThrow();
    // A reply to mail about a topic finds the topic by this Message-ID, even when it quotes only In-Reply-To
    // (a post's own Message-ID is recorded when its threading headers are made).
    const topicId = about.topic?.id ?? draft.topicId ?? null;
    if (topicId !== null && !isPostMessageId(row.message_id)) {
      await work.trx.insertInto('email_message_ids').values({ message_id: row.message_id, topic_id: topicId, post_id: about.post?.id ?? draft.postId ?? null, direction: 'out' })
        .onConflict((oc) => oc.column('message_id').doNothing()).execute();
    }
    if (row.status === 'queued') work.afterCommit(() => this.enqueue(row.id));
    return row;
  }

  /** Registers the sender worker and a sweep that picks up anything a crash left queued. */
  async start(): Promise<void> {
    await this.deps.jobs.work<{ id: number }>(SEND_QUEUE, async (job) => { await this.send(job.data.id); });
    await this.deps.jobs.work(SEND_SWEEP_QUEUE, async () => { await this.sweep(); });
    await this.deps.jobs.schedule(SEND_SWEEP_QUEUE, '* * * * *');
  }

  /**
   * Sends one queued message. Throws while retries remain (pg-boss retries with back-off); the
   * last failure marks the message failed with its error.
   */
  async send(id: number): Promise<void> {
    const { db } = this.deps;
    const row = await db.updateTable('outgoing_emails').set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      // Never past the last attempt, even when two workers (or an admin's retry) reach it at once.
      .where('id', '=', id).where('status', '=', 'queued').where('attempts', '<', MAX_SEND_ATTEMPTS).returningAll().executeTakeFirst();
    if (!row) return;
    try {
      await (await this.transporter(row.transport)).sendMail(toNodemailer(row));
      await db.updateTable('outgoing_emails').set({ status: 'sent', sent_at: this.deps.now(), error: null }).where('id', '=', id).execute();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const final = row.attempts >= MAX_SEND_ATTEMPTS;
      await db.updateTable('outgoing_emails').set({ error: message, ...(final ? { status: 'failed' } : {}) }).where('id', '=', id).where('status', '=', 'queued').execute();
      if (!final) throw err;
      this.deps.log.error({ err, outgoingEmailId: id }, 'giving up on outgoing mail');
    }
  }

  /** Sends a failed message again, from the first attempt; the outbox page's "retry". */
  async retry(id: number): Promise<OutgoingEmail | null> {
    const row = await this.deps.db.updateTable('outgoing_emails').set({ status: 'queued', attempts: 0, error: null })
      .where('id', '=', id).where('status', '=', 'failed')
      .where((eb) => (this.deps.smtpUrl ? eb.val(true) : eb('transport', 'is not', null)))
      .returningAll().executeTakeFirst();
    if (!row && !this.deps.smtpUrl) throw badInput('No SMTP transport is configured (SMTP_URL), so there is nothing to send it through.');
    if (row) await this.enqueue(row.id);
    return row ?? null;
  }

  /** Queued messages older than a minute whose job was lost (a crash between commit and enqueue). */
  async sweep(): Promise<void> {
    const stale = await this.deps.db.selectFrom('outgoing_emails').select('id').where('status', '=', 'queued')
      .where('created_at', '<', new Date(this.deps.now().getTime() - 60_000)).orderBy('id').limit(500).execute();
    for (const { id } of stale) await this.enqueue(id);
  }

  private async enqueue(id: number): Promise<void> {
    try {
      await this.deps.jobs.send(SEND_QUEUE, { id }, { retryLimit: MAX_SEND_ATTEMPTS - 1, retryDelay: 30, retryBackoff: true, singletonKey: `mail-${id}` });
    } catch (err) {
      // The sweep will pick it up.
      this.deps.log.error({ err, outgoingEmailId: id }, 'could not queue outgoing mail');
    }
  }

  /** The site's transport, or the one a plugin names (`email-transport`), one per URL. */
  private async transporter(name: string | null): Promise<Transporter> {
    const url = (name === null ? null : await this.deps.hooks.filter('email-transport', null, { name })) ?? this.deps.smtpUrl;
    if (!url) throw new Error(name === null ? 'No SMTP transport is configured (SMTP_URL).' : `No transport is configured for ${name}, and SMTP_URL is not set.`);
    let transport = this.transports.get(url);
    if (!transport) this.transports.set(url, transport = nodemailer.createTransport(url));
    return transport;
  }
}

function toNodemailer(row: OutgoingEmail): SendMailOptions {
  return {
    from: row.from_address,
    to: row.to_address,
    replyTo: row.reply_to ?? undefined,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body ?? undefined,
    messageId: `<${row.message_id}>`,
    inReplyTo: row.in_reply_to ? `<${row.in_reply_to}>` : undefined,
    references: row.references_ids.length ? row.references_ids.map((id) => `<${id}>`) : undefined,
    envelope: { from: row.return_path ?? undefined, to: bareAddress(row.to_address) },
    headers: extraHeaders(row.headers),
  };
}

/**
 * Printable ASCII goes out as written: nodemailer would MIME-encode a value holding a quoted phrase
 * (List-Id: "Help" <help.example.com>), which no list-aware client reads. Anything else it encodes.
 */
function extraHeaders(headers: Record<string, string>): NonNullable<SendMailOptions['headers']> {
  return Object.fromEntries(Object.entries(headers).map(([name, raw]) => {
    const value = String(raw).replace(/[\r\n]+/g, ' ');
    return [name, /^[\x20-\x7e]*$/.test(value) ? { prepared: true, value } : value];
  }));
}

function bareAddress(formatted: string): string {
  return /<([^<>]+)>\s*$/.exec(formatted)?.[1] ?? formatted;
}
