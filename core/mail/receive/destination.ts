// Where a received message goes. Core finds replies (reply key, Message-ID chain, subject token)
// and a category's incoming address; plugins claim the rest through the `email-destination` filter.
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { MailAddresses } from '../addresses.ts';
import type { IncomingSource } from '../mail.table.ts';
import type { ParsedEmail } from '../parse/index.ts';
import { reject } from './reasons.ts';

export type ThreadVia = 'reply-key' | 'message-id' | 'subject-token';

export type EmailDestination =
  /** A reply in an existing topic or message. `replyKeyUserId` is set when the recipient address carried a reply key. */
  | { kind: 'reply'; topicId: number; replyToPostNumber: number | null; via: ThreadVia; address: string | null; replyKeyUserId?: number }
  /** A new topic in a category (mail to the category's incoming address). */
  | { kind: 'new-topic'; categoryId: number; address: string }
  /** A new private message to groups and/or users (plugins: a group's address). */
  | { kind: 'new-message'; groupIds: number[]; userIds?: number[]; address: string };

/** What hooks get to see of a message being received. */
export interface IncomingMail {
  id: number;
  source: IncomingSource;
  email: ParsedEmail;
  /** Every recipient address, lower-cased: envelope first, then Delivered-To, X-Original-To, To, Cc. */
  recipients: string[];
  /** The sender, after the mailing-list and forwarder exceptions. */
  sender: { address: string; name: string } | null;
}

export function recipientsOf(email: ParsedEmail, envelope: string[]): string[] {
  const fromHeaders = (name: string) => (email.headers.get(name) ?? []).flatMap((v) => [...v.matchAll(/[^\s<>,;"]+@[^\s<>,;"]+/g)].map((m) => m[0]));
  const all = [...envelope, ...fromHeaders('delivered-to'), ...fromHeaders('x-original-to'), ...email.to.map((a) => a.address), ...email.cc.map((a) => a.address)];
  return [...new Set(all.map((a) => a.trim().toLowerCase()).filter((a) => a.includes('@')))];
}

/** A reply key in any recipient address: the topic and the key's owner, or a rejection when the key is unknown. */
async function byReplyKey(trx: Transaction<DB>, mail: IncomingMail, addresses: MailAddresses): Promise<EmailDestination | null> {
  for (const address of mail.recipients) {
    const key = addresses.replyKeyIn(address);
    if (!key) continue;
    const row = await trx.selectFrom('email_reply_keys').innerJoin('topics', 'topics.id', 'email_reply_keys.topic_id')
      .leftJoin('posts', 'posts.id', 'email_reply_keys.post_id')
      .select(['email_reply_keys.user_id', 'email_reply_keys.topic_id', 'topics.deleted_at', 'posts.post_number'])
      .where('reply_key', '=', key).executeTakeFirst();
    if (!row) reject('reply_key_unknown', `No reply key ${key} (address ${address}).`);
    if (row!.deleted_at) reject('topic_not_found', `Topic ${row!.topic_id} was deleted.`);
    return { kind: 'reply', topicId: row!.topic_id, replyToPostNumber: row!.post_number ?? null, via: 'reply-key', address, replyKeyUserId: row!.user_id };
  }
  return null;
}

/** In-Reply-To first, then References from the newest back, against every Message-ID Parley has stored. */
async function byMessageIds(trx: Transaction<DB>, email: ParsedEmail): Promise<EmailDestination | null> {
  const ids = [...new Set([email.inReplyTo, ...[...email.references].reverse()].filter((x): x is string => !!x))].slice(0, 50);
  if (ids.length === 0) return null;
  const rows = await trx.selectFrom('email_message_ids').innerJoin('topics', 'topics.id', 'email_message_ids.topic_id')
    .leftJoin('posts', 'posts.id', 'email_message_ids.post_id')
    .select(['email_message_ids.message_id', 'email_message_ids.topic_id', 'posts.post_number'])
    .where('email_message_ids.message_id', 'in', ids).where('topics.deleted_at', 'is', null).execute();
  for (const id of ids) {
    const row = rows.find((r) => r.message_id === id);
    if (row) return { kind: 'reply', topicId: row.topic_id, replyToPostNumber: row.post_number ?? null, via: 'message-id', address: null };
  }
  return null;
}

async function byCategoryAddress(trx: Transaction<DB>, recipients: string[]): Promise<EmailDestination | null> {
  if (recipients.length === 0) return null;
  const rows = await trx.selectFrom('categories').select(['id', 'email_in']).where((eb) => eb(eb.fn('lower', ['email_in']), 'in', recipients)).execute();
  for (const address of recipients) {
    const row = rows.find((r) => r.email_in?.toLowerCase() === address);
    if (row) return { kind: 'new-topic', categoryId: row.id, address };
  }
  return null;
}

async function bySubjectToken(trx: Transaction<DB>, subject: string | null, token: string): Promise<EmailDestination | null> {
  if (!token || !subject) return null;
  const match = new RegExp(`\\[${token.replace(/[-]/g, '\\-')}#(\\d{1,9})\\]`, 'i').exec(subject);
  if (!match) return null;
  const topic = await trx.selectFrom('topics').select('id').where('id', '=', Number(match[1])).where('deleted_at', 'is', null).executeTakeFirst();
  return topic ? { kind: 'reply', topicId: topic.id, replyToPostNumber: null, via: 'subject-token', address: null } : null;
}

/**
 * Core's own answer, in the documented order: threading first (reply key, Message-ID chain, and the
 * subject token as its last resort), then a category's incoming address. Null when none applies.
 */
export async function coreDestination(trx: Transaction<DB>, mail: IncomingMail, addresses: MailAddresses, subjectToken: string): Promise<{ destination: EmailDestination | null; why: string }> {
  const attempts: Array<[string, () => Promise<EmailDestination | null>]> = [
    ['reply key in a recipient address', () => byReplyKey(trx, mail, addresses)],
    ['In-Reply-To/References matched a stored Message-ID', () => byMessageIds(trx, mail.email)],
    ['subject token', () => bySubjectToken(trx, mail.email.subject, subjectToken)],
    ['a category’s incoming address', () => byCategoryAddress(trx, mail.recipients)],
  ];
  for (const [why, attempt] of attempts) {
    const destination = await attempt();
    if (destination) return { destination, why };
  }
  return { destination: null, why: 'no reply key, known Message-ID, subject token or category address' };
}

export function describeDestination(d: EmailDestination): string {
  switch (d.kind) {
    case 'reply': return `reply in topic ${d.topicId} (by ${d.via})`;
    case 'new-topic': return `new topic in category ${d.categoryId} (${d.address})`;
    case 'new-message': return `new message to ${[...d.groupIds.map((g) => `group ${g}`), ...(d.userIds ?? []).map((u) => `user ${u}`)].join(', ')} (${d.address})`;
  }
}

/** The part of the dedupe key that names the destination: the same mail to two addresses makes two posts. */
export function destinationKey(d: EmailDestination): string {
  switch (d.kind) {
    case 'reply': return `topic:${d.topicId}`;
    case 'new-topic': return `category:${d.categoryId}`;
    case 'new-message': return `message:${d.address}`;
  }
}
