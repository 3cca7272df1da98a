// Merging addresses into a contact, through core. An address (or username) of a staged account:
// core merges that account into the contact (staged or signed up): its messages, posts and
// addresses move there. An address nobody has: core gives it to the contact as a secondary
// address, so mail from it is theirs everywhere in Parley. A signed-up account's address: refused, clearly.
// However a staged account is merged (here, or by Admin → Users → Merge), `users-merged` moves
// its case notes and history to the account it went into.
import { badInput, forbidden, isStaff, parleyError, type ActionHooks, type User, type Viewer } from '../../core/plugin-api.ts';
import * as repo from './contacts.repo.ts';
import type { Ctx } from './contacts.repo.ts';
import { messageCounts, onTeam, type Contact } from './contacts.ts';

const EMAIL = /^[^\s@<>"(),;:]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export type MergeResult =
  | { result: 'merged'; from: string; accounts: string[]; messages: number }
  | { result: 'added'; address: string };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Staged accounts being merged from the contact page: their own history line says it all, `users-merged` adds none. */
const mergingHere = new Set<number>();

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
  // Core moves everything into the contact, staged or not; users-merged (fired before this
  // returns) brings the merged account's notes and history along.
  mergingHere.add(owner.id);
  try {
    await ctx.forum.userAdmin.mergeStaged(owner.id, contact.id, viewer.id);
  } finally {
    mergingHere.delete(owner.id);
  }
  await repo.recordHistory(ctx.db, contact.id, viewer.id, 'merged',
    `merged ${label}${label === `@${owner.username}` ? ' (a staged account)' : ` (staged account @${owner.username})`} into this contact: ${plural(counts.total, 'message')} moved here`);
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
 * Core merged a staged account into another (here or elsewhere, Admin → Users → Merge say): the
 * merged account's case notes and history are the target's now. A merge made elsewhere gets a
 * history line of its own, so the contact says where its notes came from.
 */
export async function onUsersMerged(ctx: Ctx, { fromId, intoId, actorId }: ActionHooks['users-merged']): Promise<void> {
  const moved = await repo.moveContact(ctx.db, fromId, intoId);
  if (mergingHere.has(fromId)) return;
  const what = moved.notes + moved.history === 0 ? 'it had no case notes' : `its ${plural(moved.notes, 'case note')} and ${plural(moved.history, 'history line')} moved here`;
  await repo.recordHistory(ctx.db, intoId, actorId, 'merged', `merged staged account #${fromId} into this contact outside the contact page: ${what}`);
}
