// Who sent a message. Usually From; but mailing lists and forwarders that rewrite From (DMARC)
// keep the author in X-Original-From or Reply-To. Admins' block and allow lists apply here.
import type { Kysely, QueryCreator } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { DB } from '../../db/schema.ts';
import { userGroupIds } from '../../permissions/viewer.ts';
import type { ParsedAddress, ParsedEmail } from '../parse/index.ts';

export interface SenderChoice { address: string; name: string; why: string }

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

function firstAddress(value: string | undefined): ParsedAddress | null {
  if (!value) return null;
  const m = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>/.exec(value) ?? /()([^\s<>,;"]+@[^\s<>,;"]+)/.exec(value);
  return m ? { name: m[1]!.trim(), address: m[2]! } : null;
}

/** From, unless a list or forwarder says the author is someone else. */
export function chooseSender(email: ParsedEmail): SenderChoice | null {
  const original = firstAddress(email.headers.get('x-original-from')?.[0]);
  if (original && ADDRESS.test(original.address)) return { ...original, address: original.address.toLowerCase(), why: 'X-Original-From (forwarded by a list or relay)' };
  const from = email.from;
  const replyTo = email.replyTo.length === 1 ? email.replyTo[0]! : null;
  // "Alice via Support <support@lists.example.com>", Reply-To: Alice: a list rewrote From for DMARC.
  const viaList = !!from && / via /i.test(from.name) && (email.headers.has('list-id') || email.headers.has('x-beenthere') || email.headers.has('list-post'));
  if (viaList && replyTo && ADDRESS.test(replyTo.address) && replyTo.address.toLowerCase() !== from!.address.toLowerCase()) {
    return { name: replyTo.name || from!.name.replace(/ via .*$/i, ''), address: replyTo.address.toLowerCase(), why: 'Reply-To (a mailing list rewrote From)' };
  }
  if (from && ADDRESS.test(from.address)) return { name: from.name, address: from.address.toLowerCase(), why: 'From' };
  return null;
}

/** The domain and each parent domain: a.b.example.com → a.b.example.com, b.example.com, example.com. */
function domainsOf(address: string): string[] {
  const parts = address.split('@')[1]!.split('.');
  return parts.slice(0, -1).map((_, i) => parts.slice(i).join('.'));
}

export interface SenderRule { rule: 'block' | 'allow'; pattern: string }

/** The account that owns a sender's address, as far as a decision needs it. */
export interface SenderAccount {
  id: number;
  username: string;
  admin: boolean;
  moderator: boolean;
  staged: boolean;
  suspendedUntil: Date | null;
  groupIds: number[];
}

/**
 * 'allow' wins over 'block' (block a domain, allow one person in it); allowed senders also skip
 * the spam hold. Patterns are a full address or a domain, which covers its subdomains.
 */
const ruleFor = (address: string) => (db: Pick<QueryCreator<DB>, 'selectFrom'>) => db.selectFrom('email_sender_rules').select(['pattern', 'rule']).where('pattern', 'in', [address, ...domainsOf(address)]);
const strongest = (rows: SenderRule[]): SenderRule | null => rows.find((r) => r.rule === 'allow') ?? rows.find((r) => r.rule === 'block') ?? null;

export async function senderRule(db: Kysely<DB>, address: string): Promise<SenderRule | null> {
  return strongest(await ruleFor(address)(db).execute());
}

/** An account by id, as {@link SenderFacts} gives the owner's. */
export async function senderAccount(db: Kysely<DB>, userId: number): Promise<SenderAccount | null> {
  return (await accounts(db).where('users.id', '=', userId).executeTakeFirst()) ?? null;
}

const accounts = (db: Pick<QueryCreator<DB>, 'selectFrom'>) => db.selectFrom('users')
  .select(['users.id', 'users.username', 'users.admin', 'users.moderator', 'users.staged', 'users.suspended_until as suspendedUntil'])
  .select((eb) => userGroupIds(eb).as('groupIds'));

/** The sender rule that applies to an address, and the account that owns it (by any of its addresses). */
export interface SenderFacts { rule: SenderRule | null; owner: SenderAccount | null }

/**
 * {@link SenderFacts} as two columns of another query: the pipeline reads them with the row it
 * locks, saving round trips on its hot path. {@link readSenderFacts} turns them into facts.
 */
export function senderFactColumns(db: Kysely<DB>, address: string) {
  return [
    jsonArrayFrom(ruleFor(address)(db)).as('sender_rules'),
    jsonObjectFrom(accounts(db).innerJoin('user_emails', 'user_emails.user_id', 'users.id').where('user_emails.email_lower', '=', address.toLowerCase())).as('sender_owner'),
  ] as const;
}

export function readSenderFacts(row: { sender_rules: unknown; sender_owner: unknown }): SenderFacts {
  const owner = row.sender_owner as (Omit<SenderAccount, 'suspendedUntil'> & { suspendedUntil: string | null }) | null;
  return { rule: strongest(row.sender_rules as SenderRule[]), owner: owner && { ...owner, suspendedUntil: owner.suspendedUntil === null ? null : new Date(owner.suspendedUntil) } };
}

/**
 * Puts an address (or a domain) on the block list, keeping an existing entry; `note` says who
 * blocked it and why, for the admins' list. Answers whether the entry is new, and the allow rule
 * that still lets the sender through (an allow wins over a block), if any.
 */
export async function blockSender(db: Kysely<DB>, pattern: string, note: string): Promise<{ added: boolean; allowedBy: string | null }> {
  const lower = pattern.trim().toLowerCase();
  const added = await db.insertInto('email_sender_rules').values({ pattern: lower, rule: 'block', note: note.slice(0, 200) })
    .onConflict((oc) => oc.columns(['pattern', 'rule']).doNothing()).returning('id').executeTakeFirst();
  const rule = lower.includes('@') ? await senderRule(db, lower) : null;
  return { added: added !== undefined, allowedBy: rule?.rule === 'allow' ? rule.pattern : null };
}
