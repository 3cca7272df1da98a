// When and whether a message is acknowledged. A new message by email gets a decision row: either
// "not sent" at once (auto-generated mail, the group's auto-reply off, …) or "due" at the delay's
// end, with a pg-boss job set to wake then. Whoever runs the due decision (that job, a second copy
// of it, or the minutely sweep for a job that was lost) settles it against `ctx.now()`: too early
// reschedules, answered or disabled records why not, and otherwise the acknowledgement is queued.
// The claim, the rate limit's token and the outbox row share one transaction (the mailer's, via
// the `outgoing-email` filter), so the acknowledgement goes out once, however many runs race.
import { ParleyError, type OutgoingDraft, type Post, type Topic } from '../../core/plugin-api.ts';
import * as repo from './auto-reply.repo.ts';
import type { Ctx, Db, Decision, GroupAutoReply } from './auto-reply.repo.ts';
import { render } from './template.ts';

/** The outbox kind of an acknowledgement. */
export const KIND = 'auto-reply';
export const DUE_QUEUE = 'due';
export const SWEEP_QUEUE = 'sweep';
/** A run that finds its decision not yet due looks again no sooner than this. */
const MIN_RECHECK_SECONDS = 30;

/** Why an acknowledgement was not sent, as the team reads it. */
export const REASONS: Record<string, string> = {
  disabled: 'auto-replies are off for this group',
  auto_generated: 'the mail was auto-generated',
  spam: 'the mail was flagged as spam',
  own_address: 'the mail came from one of Parley\'s own addresses',
  no_address: 'there is no address to answer',
  answered: 'someone answered before the delay was up',
  suppressed: 'mail to that address has stopped',
  rate_limited: 'the rate limit for that address was reached',
  deleted: 'the message was deleted',
};

type Verdict =
  | { kind: 'wait'; dueAt: Date }
  | { kind: 'skip'; reason: string; detail: string | null }
  | { kind: 'send'; settings: GroupAutoReply };
/** What the claim inside the mailer's transaction found instead of a go-ahead. */
type Refusal = Exclude<Verdict, { kind: 'send' }> | { kind: 'decided' };

const skip = (reason: string, detail: string | null = null): Verdict => ({ kind: 'skip', reason, detail });

/**
 * What is wrong with the mail itself, whatever the delay brings: decided when it arrives. The
 * pipeline already refuses bounces and automated mail (auto-submitted, precedence, machine
 * senders); what reaches a post with `auto_generated` set is a person's mail relayed by a list.
 */
async function refusedAtOnce(ctx: Ctx, settings: GroupAutoReply, incoming: NonNullable<Awaited<ReturnType<typeof repo.incomingOf>>>, address: string | null) {
  if (!settings.enabled) return skip('disabled');
  if (incoming.auto_generated) return skip('auto_generated', 'it carries auto-submitted, list or precedence headers');
  if (incoming.spam) return skip('spam');
  if (!address) return skip('no_address');
  if (await ctx.mail.isOwnAddress(address)) return skip('own_address', address);
  return null;
}

/**
 * A new message by email: records its decision, and wakes the due decision at the delay's end.
 * Only mail is acknowledged (the acknowledgement answers the customer's mail, threaded under it);
 * the group is the first of the message's groups whose auto-reply is on.
 */
export async function onNewMessage(ctx: Ctx, topic: Topic, post: Post): Promise<void> {
  const incoming = await repo.incomingOf(ctx.db, post.id);
  if (!incoming) return;
  const groups = await repo.groupsOfTopic(ctx.db, topic.id);
  const group = groups.find((g) => g.enabled) ?? groups[0];
  if (!group) return;
  const settings = await repo.settingsOf(ctx.db, group.groupId);
  const address = incoming.from_address?.trim().toLowerCase() || null;
  const refused = await refusedAtOnce(ctx, settings, incoming, address);
  const now = ctx.now();
  const row: Decision = {
    topic_id: topic.id, group_id: group.groupId, post_id: post.id, incoming_email_id: incoming.id, customer_id: post.user_id, address,
    state: refused ? 'skipped' : 'pending', reason: refused?.kind === 'skip' ? refused.reason : null, detail: refused?.kind === 'skip' ? refused.detail : null,
    due_at: new Date(now.getTime() + settings.delayMinutes * 60_000), decided_at: refused ? now : null, created_at: now,
  };
  if (!(await repo.insertDecision(ctx.db, row)) || refused) return;
  await wakeAt(ctx, topic.id, settings.delayMinutes * 60);
}

/** Sends the due job; if that fails, the sweep finds the decision once it is due. */
async function wakeAt(ctx: Ctx, topicId: number, seconds: number): Promise<void> {
  try {
    await ctx.jobs.send(DUE_QUEUE, { topicId }, seconds > 0 ? { startAfter: Math.ceil(seconds) } : {});
  } catch (err) {
    ctx.log.error({ err, topicId }, 'could not schedule the auto-reply; the sweep will decide it');
  }
}

/** Whether the due decision can be settled now, as `db` (a transaction, perhaps) sees it. */
async function evaluate(ctx: Ctx, db: Db, row: Decision, now: Date): Promise<Verdict> {
  if (row.due_at > now) return { kind: 'wait', dueAt: row.due_at };
  if (row.group_id === null) return skip('disabled', 'the group was deleted');
  const settings = await repo.settingsOf(db, row.group_id);
  if (!settings.enabled) return skip('disabled', 'turned off after the mail came');
  if (row.customer_id === null || !row.address) return skip('no_address');
  const topic = await db.selectFrom('topics').select('deleted_at').where('id', '=', row.topic_id).executeTakeFirst();
  if (!topic || topic.deleted_at) return skip('deleted');
  if (await repo.markedSpam(db, row.topic_id)) return skip('spam', 'a member moved it to Spam');
  const answer = await repo.firstAnswer(ctx, db, row.topic_id, row.customer_id);
  if (answer) return skip('answered', `${answer.username ? `@${answer.username}` : 'Someone'} answered at ${answer.created_at.toISOString()}`);
  const suppressed = await repo.suppressedReason(db, row.address);
  if (suppressed !== undefined) return skip('suppressed', suppressed);
  return { kind: 'send', settings };
}

const refusal = (r: Refusal) => new ParleyError('CONFLICT', `The auto-reply was not sent (${r.kind}).`, { plugin: 'auto-reply', details: { autoReplyRefusal: r } });
const refusalIn = (err: unknown): Refusal | undefined => (err instanceof ParleyError ? err.details?.autoReplyRefusal as Refusal | undefined : undefined);

/**
 * The claim, inside the mailer's transaction: the decision must still be due (locked, so a racing
 * run waits and then finds it settled), still unanswered, and the address must have a token left.
 * Anything else vetoes the mail (nothing is recorded) and tells the run why.
 */
export function registerClaim(ctx: Ctx): void {
  ctx.hooks.onFilter('outgoing-email', async (draft, { kind, trx }) => {
    if (kind !== KIND || typeof draft.topicId !== 'number') return draft;
    const db = trx as unknown as Db;
    const row = await repo.lockPending(db, draft.topicId);
    if (!row) throw refusal({ kind: 'decided' });
    const now = ctx.now();
    const verdict = await evaluate(ctx, db, row, now);
    if (verdict.kind !== 'send') throw refusal(verdict);
    const perHour = verdict.settings.perAddressPerHour;
    if (!(await repo.takeToken(db, row.address!, perHour, now))) throw refusal({ kind: 'skip', reason: 'rate_limited', detail: `at most ${perHour} an hour to ${row.address}` });
    await repo.settle(db, row.topic_id, 'sent', null, null, now);
    return draft;
  }, { priority: 10 });
}

/** Runs a due decision: idempotent, so the job, a retry and the sweep may all run it. */
export async function runDue(ctx: Ctx, topicId: number): Promise<void> {
  const row = await repo.decisionOf(ctx.db, topicId);
  if (!row || row.state !== 'pending') return;
  const now = ctx.now();
  const verdict = await evaluate(ctx, ctx.db, row, now);
  if (verdict.kind === 'send') {
    const mail = await draftFor(ctx, row, verdict.settings);
    if (!mail) { await repo.settle(ctx.db, topicId, 'skipped', 'deleted', null, now); return; }
    try {
      await ctx.mail.send(mail.draft, undefined, { topic: mail.topic });
      return;
    } catch (err) {
      const refused = refusalIn(err);
      if (!refused) throw err;
      if (refused.kind !== 'decided') await settleAs(ctx, topicId, refused, ctx.now());
      return;
    }
  }
  await settleAs(ctx, topicId, verdict, now);
}

async function settleAs(ctx: Ctx, topicId: number, verdict: Exclude<Refusal, { kind: 'decided' }>, now: Date): Promise<void> {
  if (verdict.kind === 'wait') await wakeAt(ctx, topicId, Math.max(MIN_RECHECK_SECONDS, (verdict.dueAt.getTime() - now.getTime()) / 1000));
  else await repo.settle(ctx.db, topicId, 'skipped', verdict.reason, verdict.detail, now);
}

/** Every due decision whose job was lost (or never sent): run each, one failure not stopping the rest. */
export async function sweep(ctx: Ctx): Promise<number> {
  const ids = await repo.dueTopicIds(ctx.db, ctx.now(), 200);
  for (const id of ids) {
    try { await runDue(ctx, id); } catch (err) { ctx.log.error({ err, topicId: id }, 'auto-reply decision failed; the next sweep tries again'); }
  }
  return ids.length;
}

/** The acknowledgement: to the address the mail came from, threaded under it, marked as an auto-reply (RFC 3834). */
async function draftFor(ctx: Ctx, row: Decision, settings: GroupAutoReply): Promise<{ draft: OutgoingDraft; topic: Topic } | null> {
  const topic = await ctx.db.selectFrom('topics').selectAll().where('id', '=', row.topic_id).executeTakeFirst() as unknown as Topic | undefined;
  const customer = row.customer_id === null ? undefined : await ctx.forum.users.findById(row.customer_id);
  const group = row.group_id === null ? undefined : await ctx.db.selectFrom('groups').select(['name', 'full_name']).where('id', '=', row.group_id).executeTakeFirst();
  if (!topic || !customer || !group || !row.address) return null;
  const incoming = row.incoming_email_id === null ? undefined
    : await ctx.db.selectFrom('incoming_emails').select('subject').where('id', '=', row.incoming_email_id).executeTakeFirst();
  const messageId = row.post_id === null ? null : await repo.customerMessageId(ctx.db, row.post_id);
  const subject = incoming?.subject?.trim() || topic.title;
  const vars = {
    customer_name: customer.name || row.address, customer_email: row.address, group_name: group.full_name || group.name, subject,
    message_id: String(topic.id), message_url: `${ctx.mail.baseUrl()}/t/${topic.slug}/${topic.id}`,
  };
  return {
    topic,
    draft: {
      kind: KIND, to: row.address, toName: customer.name || undefined,
      subject: render(settings.subject, vars).replace(/^(re:\s*){2,}/i, 'Re: ').replace(/\s+/g, ' ').trim() || `Re: ${subject}`,
      text: render(settings.body, vars),
      inReplyTo: messageId, references: messageId ? [messageId] : [],
      // RFC 3834: an automatic response says so, and asks responders not to answer it in turn.
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      userId: customer.id, topicId: topic.id, postId: row.post_id, incomingEmailId: row.incoming_email_id,
    },
  };
}
