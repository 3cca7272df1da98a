// The receiving pipeline. Every source (HTTP, pipe, IMAP, SMTP) calls `receive`: the raw message
// is stored first, in its own commit, then decided in one transaction that either creates the
// post (with its Message-ID and the decision) or records a typed rejection. A crash in between
// leaves a stored, undecided message that the recovery job decides later: nothing lost, nothing twice.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SiteSettings } from '../../admin/site-settings.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction, type Work } from '../../db/unit-of-work.ts';
import { parleyError } from '../../errors.ts';
import type { Hooks } from '../../hooks/hooks.ts';
import type { Jobs } from '../../jobs/jobs.ts';
import type { Guardian } from '../../permissions/guardian.ts';
import type { Services } from '../../services.ts';
import type { MailAddresses } from '../addresses.ts';
import type { IncomingEmail, IncomingSource, IncomingStatus, TraceStep } from '../mail.table.ts';
import { parseEmail, type ParsedEmail } from '../parse/index.ts';
import type { EmailTemplates } from '../send/email-templates.ts';
import type { Mailer } from '../send/mailer.ts';
import { recordBounce, verpRecipient } from './bounces.ts';
import { deliver } from './deliver.ts';
import { coreDestination, describeDestination, destinationKey, recipientsOf, type IncomingMail } from './destination.ts';
import * as repo from './incoming.repo.ts';
import { REJECTIONS, Rejection, reject } from './reasons.ts';
import { sendRejectionNotice } from './rejection-notice.ts';
import { chooseSender, type SenderFacts } from './sender.ts';
import { storableEmail, storableText } from './storable.ts';

export const PENDING_QUEUE = 'mail.process-pending';

export interface ReceiveMeta { source: IncomingSource; sourceRef?: string | null; envelopeRecipients?: string[] }

/** What became of a message: one line of `parley receive-email`, the HTTP answer, the admin list. */
export interface ReceiveOutcome {
  id: number;
  status: IncomingStatus;
  reason: string | null;
  detail: string | null;
  topicId: number | null;
  postId: number | null;
}

export interface ProcessOptions {
  /** Decide again a message that was rejected or failed (admin "reprocess"). */
  reprocess?: boolean;
  /** Post it even though it carries a spam verdict (admin "release"). */
  releaseSpam?: boolean;
}

export interface MailReceiverDeps {
  db: Kysely<DB>;
  hooks: Hooks;
  guardian: Guardian;
  services: Services;
  jobs: Jobs;
  mailer: Mailer;
  templates: EmailTemplates;
  addresses: () => Promise<MailAddresses>;
  settings: () => Promise<SiteSettings>;
  baseUrl: string;
  now: () => Date;
  log: { error(obj: unknown, msg?: string): void };
}

export const outcomeOf = (row: repo.IncomingState): ReceiveOutcome => ({
  id: row.id, status: row.status, reason: row.reason, detail: row.error ?? (row.reason && row.reason in REJECTIONS ? REJECTIONS[row.reason as keyof typeof REJECTIONS].admin : null),
  topicId: row.topic_id, postId: row.post_id,
});

/** A run of the pipeline over one message: what it has learnt so far, and the trace of its decisions. */
export interface Run {
  row: IncomingEmail;
  email: ParsedEmail;
  mail: IncomingMail;
  trace: TraceStep[];
  addresses: MailAddresses;
  settings: SiteSettings;
  opts: ProcessOptions;
  /** True when the author came from X-Original-From or a list's Reply-To rather than From. */
  senderViaList: boolean;
  /** Read with the locked row: the sender's facts (null without a sender), and earlier decisions about this Message-ID. */
  facts?: { sender: SenderFacts | null; earlier: repo.EarlierDecision[] };
  note(step: string, decision: string, detail?: string): void;
}

export class MailReceiver {
  constructor(private readonly deps: MailReceiverDeps) {}

  /** Stores the raw message, then decides it. Never throws for bad mail: the outcome says what happened. */
  async receive(raw: Buffer, meta: ReceiveMeta): Promise<ReceiveOutcome> {
    const { id, stored } = await this.storeRow(raw, meta);
    // Just stored: the row and the bytes in hand are the stored ones, so they need not come back from the database.
    return stored ? this.decideRow({ ...stored, raw }, {}) : this.process(id);
  }

  /**
   * Only the first half of `receive`: the raw message, committed, and its id. A source that must
   * acknowledge its sender (SMTP, a pipe) answers once this resolves; a decision that then fails
   * is retried by the recovery job, so the message is never lost and never needs resending.
   */
  async store(raw: Buffer, meta: ReceiveMeta): Promise<number> {
    return (await this.storeRow(raw, meta)).id;
  }

  private storeRow(raw: Buffer, meta: ReceiveMeta): ReturnType<typeof repo.storeIncoming> {
    return repo.storeIncoming(this.deps.db, {
      raw, rawSha256: createHash('sha256').update(raw).digest('hex'), source: meta.source, sourceRef: meta.sourceRef,
      envelopeRecipients: meta.envelopeRecipients, receivedAt: this.deps.now(),
    });
  }

  /** Registers the recovery job: stored messages a crash left undecided are decided within minutes. */
  async start(): Promise<void> {
    await this.deps.jobs.work(PENDING_QUEUE, async () => { await this.processPending(); });
    await this.deps.jobs.schedule(PENDING_QUEUE, '* * * * *');
  }

  /** Decides every message stored more than `graceMs` ago and still undecided; returns how many. */
  async processPending(graceMs = 60_000): Promise<number> {
    const ids = await repo.pendingIds(this.deps.db, new Date(this.deps.now().getTime() - graceMs), 500);
    for (const id of ids) await this.process(id);
    return ids.length;
  }

  /** Decides a stored message. */
  async process(id: number, opts: ProcessOptions = {}): Promise<ReceiveOutcome> {
    const row = await repo.findIncoming(this.deps.db, id);
    if (!row) throw parleyError('NOT_FOUND', `There is no received email ${id}.`);
    return this.decideRow(row, opts);
  }

  private async decideRow(row: IncomingEmail, opts: ProcessOptions): Promise<ReceiveOutcome> {
    const id = row.id;
    if (row.status !== 'received' && !opts.reprocess) return outcomeOf(row);
    if (opts.reprocess && (row.status === 'created' || row.status === 'bounce')) {
      throw parleyError('CONFLICT', `Email ${id} was already ${row.status === 'created' ? `posted (post ${row.post_id})` : 'recorded as a bounce'}; there is nothing to reprocess.`);
    }
    const trace: TraceStep[] = [row.trace[0] ?? { step: 'store', decision: 'stored' }];
    if (opts.reprocess) trace.push({ step: 'reprocess', decision: opts.releaseSpam ? 'released from the spam hold by an admin' : 'decided again by an admin', detail: `was ${row.status}${row.reason ? ` (${row.reason})` : ''}` });
    let email: ParsedEmail;
    try {
      email = storableEmail(await parseEmail(row.raw));
    } catch (err) {
      trace.push({ step: 'parse', decision: 'failed', detail: errorText(err) });
      return this.fail(row, trace, 'parse_error', err);
    }
    const [addresses, settings] = await Promise.all([this.deps.addresses(), this.deps.settings()]);
    const sender = chooseSender(email);
    const run: Run = {
      row, email, trace, addresses, settings, opts, senderViaList: !!sender && sender.why !== 'From',
      mail: { id, source: row.source, email, recipients: recipientsOf(email, row.envelope_recipients), sender: sender ? { address: sender.address, name: sender.name } : null },
      note: (step, decision, detail) => { trace.push(detail === undefined ? { step, decision } : { step, decision, detail }); },
    };
    run.note('parse', 'parsed', `Message-ID ${email.messageId}${email.messageIdGenerated ? ' (none given; derived from the message hash)' : ''}; subject ${JSON.stringify(email.subject ?? '')}; ${email.attachments.length} attachment(s)`);
    run.note('sender', sender ? sender.address : 'none', sender?.why);
    const decidedFrom = trace.length;
    const decide = () => inTransaction(this.deps, (work) => this.decideLocked(work, run));
    try {
      return await decide().catch((err: unknown) => {
        if (!isDedupeRace(err)) throw err;
        // Another process posted the same mail to the same place while this one decided it; its
        // decision is committed now, so deciding again finds it and records a duplicate.
        trace.length = decidedFrom;
        return decide();
      });
    } catch (err) {
      if (err instanceof Rejection) return this.rejectRun(run, err);
      run.note('error', 'processing failed', errorText(err));
      return this.fail(row, trace, 'processing_error', err, email);
    }
  }

  private async decideLocked(work: Work, run: Run): Promise<ReceiveOutcome> {
    const found = await repo.lockForDecision(work.trx, run.row.id, { sender: run.mail.sender?.address ?? null, messageId: run.email.messageId });
    if (!found) return outcomeOf(run.row); // another process is deciding it right now
    if (found.state.status !== run.row.status) return outcomeOf(found.state);
    run.facts = { sender: found.sender, earlier: found.earlier };
    const decision = await this.decide(work, run);
    await repo.recordDecision(work.trx, run.row.id, decision, this.deps.now());
    const outcome: ReceiveOutcome = { id: run.row.id, status: decision.status, reason: decision.reason, detail: null, topicId: decision.topicId ?? null, postId: decision.postId ?? null };
    work.emit('email-processed', { incomingEmailId: run.row.id, source: run.row.source, status: decision.status, reason: decision.reason, topicId: outcome.topicId, postId: outcome.postId, userId: decision.userId ?? null });
    return outcome;
  }

  /** Classification, sender rules, destination, de-duplication; then the post. Throws a Rejection to refuse. */
  private async decide(work: Work, run: Run): Promise<repo.Decision> {
    const { email, mail, addresses } = run;
    const base = { messageId: email.messageId, fromAddress: mail.sender?.address ?? null, subject: email.subject, spam: email.spam, autoGenerated: email.autoGenerated };
    const bounceToken = mail.recipients.map((r) => addresses.bounceTokenIn(r) ? r : null).find(Boolean) ?? null;
    if (email.bounce || bounceToken) {
      const bounce = await this.bounce(work, run, bounceToken);
      if (bounce) return { ...base, ...bounce };
    }
    if (mail.sender && addresses.isOwn(mail.sender.address)) reject('own_address', `From ${mail.sender.address}`);
    if ((email.autoGenerated || email.autoReply) && !humanViaList(run)) reject('auto_generated', email.classificationReasons.join('; ') || 'automated mail');
    run.note('classify', 'human mail', email.classificationReasons.join('; ') || undefined);
    if (!mail.sender) reject('no_sender');
    const { rule } = run.facts!.sender!;
    if (rule?.rule === 'block') reject('sender_blocked', `matches the block rule ${rule.pattern}`);
    run.note('sender rules', rule ? `allowed by ${rule.pattern}` : 'no rule applies');
    if (email.spam && rule?.rule !== 'allow' && !run.opts.releaseSpam) reject('spam', email.classificationReasons.filter((r) => /spam/i.test(r)).join('; ') || 'spam verdict header');
    const found = await coreDestination(work.trx, mail, addresses, run.settings.emailSubjectToken);
    run.note('thread', found.destination ? describeDestination(found.destination) : 'no thread or core address', found.why);
    const destination = await this.deps.hooks.filter('email-destination', found.destination, { mail, trx: work.trx });
    if (!destination) reject('no_destination', `recipients: ${mail.recipients.join(', ') || 'none'}`);
    if (destination !== found.destination) run.note('destination', describeDestination(destination!), 'chosen by a plugin (email-destination)');
    // Two processes deciding the same mail for one destination at once: the unique dedupe key lets
    // only one decision commit, and the other is decided again (see `isDedupeRace`).
    const dedupeKey = `${email.messageId}\n${destinationKey(destination!)}`;
    const earlier = run.facts!.earlier.find((e) => e.dedupe_key === dedupeKey);
    if (earlier) {
      run.note('dedupe', 'duplicate', `same Message-ID and destination as email ${earlier.id}${earlier.post_id ? ` (post ${earlier.post_id})` : ''}`);
      return { ...base, status: 'duplicate', reason: 'duplicate', trace: run.trace, destination: describeDestination(destination!), postId: earlier.post_id };
    }
    const created = await deliver(work, run, destination!, this.deps);
    return { ...base, status: 'created', reason: null, trace: run.trace, destination: describeDestination(destination!), dedupeKey, ...created, threadsBy: !email.messageIdGenerated };
  }

  /** A delivery report (or mail to a VERP address): recorded against the recipient it names. */
  private async bounce(work: Work, run: Run, bounceAddress: string | null): Promise<Omit<repo.Decision, 'messageId'> | null> {
    const { email } = run;
    if (!email.bounce) {
      if (email.autoGenerated || email.autoReply) return null; // an auto-reply to the return path: handled as automated mail
      reject('sent_to_bounce_address', `to ${bounceAddress}`);
    }
    const verp = bounceAddress ? await verpRecipient(work.trx, run.addresses.bounceTokenIn(bounceAddress)!, bounceAddress) : null;
    const recipients = verp ? [verp] : email.bounceInfo?.recipients ?? [];
    const dedupeKey = `${email.messageId}\nbounce`;
    if (run.facts!.earlier.some((e) => e.dedupe_key === dedupeKey)) return { status: 'duplicate', reason: 'duplicate', trace: run.trace };
    const record = await recordBounce(work.trx, recipients, email.bounceInfo, run.settings.emailSoftBounceLimit, this.deps.now());
    run.note('bounce', `${record.hard ? 'hard' : 'soft'} bounce${record.status ? ` ${record.status}` : ''}`,
      `${recipients.length ? `for ${recipients.join(', ')}${verp ? ' (by VERP)' : ''}` : 'no recipient could be attributed'}${record.suppressed.length ? `; mail to ${record.suppressed.join(', ')} stopped` : ''}`);
    return { status: 'bounce', reason: record.hard ? 'hard_bounce' : 'soft_bounce', trace: run.trace, dedupeKey, destination: bounceAddress ?? null };
  }

  /** Records the rejection (the decision's own writes were rolled back) and sends the sender one notice. */
  private async rejectRun(run: Run, rejection: Rejection): Promise<ReceiveOutcome> {
    run.note('outcome', `rejected: ${rejection.reason}`, rejection.detail);
    const addresses = run.addresses;
    return inTransaction(this.deps, async (work) => {
      const locked = await repo.lockIncoming(work.trx, run.row.id);
      if (!locked || locked.status !== run.row.status) return outcomeOf(locked ?? run.row);
      const noticeNote = await sendRejectionNotice(work, {
        mailer: this.deps.mailer, templates: this.deps.templates, addresses, siteTitle: run.settings.title, siteUrl: this.deps.baseUrl,
        today: this.deps.now().toISOString().slice(0, 10),
      }, { incomingId: run.row.id, email: run.email, sender: run.mail.sender?.address ?? null, destination: run.mail.recipients[0] ?? null, reason: rejection.reason });
      run.note('notice', noticeNote);
      const { email, mail } = run;
      await repo.recordDecision(work.trx, run.row.id, {
        status: 'rejected', reason: rejection.reason, error: rejection.detail, trace: run.trace, messageId: email.messageId,
        fromAddress: mail.sender?.address ?? null, subject: email.subject, spam: email.spam, autoGenerated: email.autoGenerated || email.autoReply,
      }, this.deps.now());
      work.emit('email-processed', { incomingEmailId: run.row.id, source: run.row.source, status: 'rejected', reason: rejection.reason, topicId: null, postId: null, userId: null });
      return { id: run.row.id, status: 'rejected', reason: rejection.reason, detail: rejection.detail, topicId: null, postId: null };
    });
  }

  /** Something went wrong that is not a decision (unreadable mail, a bug): recorded as an error, kept for reprocessing. */
  private async fail(row: IncomingEmail, trace: TraceStep[], reason: string, err: unknown, email?: ParsedEmail): Promise<ReceiveOutcome> {
    if (reason !== 'parse_error') this.deps.log.error({ err, incomingEmailId: row.id }, 'processing incoming email failed');
    try {
      await repo.recordDecision(this.deps.db, row.id, {
        status: 'error', reason, error: errorText(err), trace, messageId: email?.messageId ?? null, fromAddress: email?.from?.address ?? null, subject: email?.subject ?? null,
      }, this.deps.now());
    } catch (recordErr) {
      // Something in the message the database cannot store broke the record too: keep the bare
      // facts, so the message is still marked failed (and kept for reprocessing), never left undecided.
      this.deps.log.error({ err: recordErr, incomingEmailId: row.id }, 'recording the failure failed; recording it without details');
      await repo.recordDecision(this.deps.db, row.id, {
        status: 'error', reason, error: `${errorText(err).replace(/[^\x20-\x7e]/g, '?')} (details could not be stored: ${errorText(recordErr).replace(/[^\x20-\x7e]/g, '?')})`,
        trace: trace.slice(0, 1),
      }, this.deps.now());
    }
    return { id: row.id, status: 'error', reason, detail: errorText(err), topicId: null, postId: null };
  }
}

/** A person's mail relayed by a mailing list: the list headers are the only automated sign, and the author is known. */
function humanViaList(run: Run): boolean {
  const reasons = run.email.classificationReasons;
  return run.senderViaList && !run.email.autoReply && reasons.length > 0 && reasons.every((r) => /^(mailing-list header|Precedence: list)/.test(r));
}

/** The unique dedupe key refused a second decision for the same mail and destination. */
function isDedupeRace(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'incoming_emails_dedupe_key_key';
}

function errorText(err: unknown): string {
  return storableText(err instanceof Error ? err.message : String(err)).slice(0, 2000);
}
