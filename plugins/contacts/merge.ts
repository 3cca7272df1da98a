// Merging addresses into a contact, through core. An address (or username) of a staged account:
// core merges that account into the contact (staged or signed up): its messages, posts and
// addresses move there. An address nobody has: core gives it to the contact as a secondary
// address, so mail from it is theirs everywhere in Parley. A signed-up account's address: refused, clearly.
// However a staged account is merged (here, or by Admin → Users → Merge), its case notes and
// history go with it, inside core's merge (`user-merge`), with a history line saying what moved.
import { badInput, forbidden, isStaff, parleyError, sql, type FilterHooks, type User, type Viewer } from '../../core/plugin-api.ts';
import * as repo from './contacts.repo.ts';
import type { Ctx } from './contacts.repo.ts';
import { messageCounts, onTeam, type Contact } from './contacts.ts';

const EMAIL = /^[^\s@<>"(),;:]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export type MergeResult =
  | { result: 'merged'; from: string; accounts: string[]; messages: number }
  | { result: 'added'; address: string };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The team's own accounts (and staff) are not contacts anyone may add addresses to: mail from them would post as that person. */
async function ensureCustomer(ctx: Ctx, contact: Contact): Promise<void> {
  const user = (await ctx.forum.users.findById(contact.id))!;
  if (await onTeam(ctx, await ctx.forum.users.viewerFor(user))) {
    throw forbidden(`@${contact.username} is staff or on a support team: their addresses are theirs to manage, not a contact's.`);
  }
}

export async function mergeInto(ctx: Ctx, viewer: Viewer & { id: number }, contact: Contact, input: string): Promise<MergeResult> {
  const text = input.trim();
  if (!text) throw badInput('Enter an address, or the username of a staged account.', { field: 'address' });
  await ensureCustomer(ctx, contact);
  if (!text.includes('@') || text.startsWith('@')) {
    const owner = await ctx.forum.users.findByUsername(text.replace(/^@/, ''));
    if (!owner) throw badInput(`No account is called ${text}.`, { field: 'address' });
    return mergeAccount(ctx, viewer, contact, owner, `@${owner.username}`);
  }
  const address = text.toLowerCase();
  if (!EMAIL.test(address) || address.length > 254) throw badInput(`"${text}" is not an email address.`, { field: 'address' });
  const owner = await ctx.forum.users.findByEmail(address);
  return owner ? mergeAccount(ctx, viewer, contact, owner, address) : addAddress(ctx, viewer, contact, text);
}

async function mergeAccount(ctx: Ctx, viewer: Viewer & { id: number }, contact: Contact, owner: User, label: string): Promise<MergeResult> {
  if (owner.id === contact.id) throw badInput(`${label} is already part of this contact.`, { field: 'address' });
  if (!owner.staged) {
    throw parleyError('CONFLICT', `${label} belongs to @${owner.username}, who has signed up: a signed-up account is never merged into another contact. Open @${owner.username}'s contact page to merge this contact's addresses there instead.`,
      { details: { field: 'address', contactId: owner.id } });
  }
  const counts = await messageCounts(ctx, viewer, owner.id);
  if (!isStaff(viewer) && counts.visible < counts.total) {
    throw forbidden(`${label} has messages in inboxes you are not on, so only an admin or moderator can merge it.`);
  }
  // Core moves everything into the contact, staged or not; carryOver (inside the merge) records it.
  await ctx.forum.userAdmin.mergeStaged(owner.id, contact.id, viewer.id);
  return { result: 'merged', from: label, accounts: [`@${owner.username}`], messages: counts.total };
}

async function addAddress(ctx: Ctx, viewer: Viewer & { id: number }, contact: Contact, address: string): Promise<MergeResult> {
  const lower = address.toLowerCase();
  const inbox = await ctx.db.selectFrom('group_inbox_addresses').select('address_lower').where('address_lower', '=', lower).executeTakeFirst();
  if (inbox || await ctx.mail.isOwnAddress(lower)) throw badInput(`${address} is one of Parley's own addresses, not a person's.`, { field: 'address' });
  // A secondary address of the contact's account: core refuses (409) one somebody took meanwhile.
  const added = await ctx.forum.users.addEmail(contact.id, address);
  await repo.recordHistory(ctx.db, contact.id, viewer.id, 'address-added', `added ${added}: mail from it is this contact's from now on`);
  return { result: 'added', address: added };
}

/**
 * Inside core's merge of a staged account into another (from the contact page, or Admin → Users →
 * Merge): its case notes and history become the target's, and the target's history says what
 * came: "merged staged account @dana (dana@mobile.test) into this contact: 1 message moved here,
 * with 1 case note". Runs before core moves anything, through the merge's transaction.
 */
export async function carryOver(value: string[], { fromId, intoId, actorId, trx }: FilterHooks['user-merge']['context']): Promise<string[]> {
  const db = trx as unknown as Ctx['db'];
  const from = await db.selectFrom('users').select('username').where('id', '=', fromId).executeTakeFirstOrThrow();
  const addresses = (await db.selectFrom('user_emails').select('email').where('user_id', '=', fromId).orderBy('is_primary', 'desc').execute()).map((r) => r.email);
  const messages = Number((await sql<{ n: string }>`
    select count(*) as n from topics t where t.archetype = 'private_message' and t.deleted_at is null
      and (t.user_id = ${fromId} or exists (select 1 from topic_allowed_users a where a.topic_id = t.id and a.user_id = ${fromId}))`.execute(trx)).rows[0]!.n);
  const moved = await repo.moveContact(db, fromId, intoId);
  const carried = [moved.notes ? plural(moved.notes, 'case note') : '', moved.history ? plural(moved.history, 'history line') : ''].filter(Boolean);
  const label = `@${from.username}${addresses.length ? ` (${addresses.join(', ')})` : ''}`;
  await repo.recordHistory(db, intoId, actorId, 'merged',
    `merged staged account ${label} into this contact: ${plural(messages, 'message')} moved here${carried.length ? `, with ${carried.join(' and ')}` : ''}`);
  return [...value, ...carried];
}
