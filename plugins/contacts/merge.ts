// Merging addresses into a contact. An address (or username) of a staged account: that account's
// messages join the contact (core's merge moves them into a signed-up contact; a staged contact,
// which core cannot merge into, shows them by a link). An address nobody has: it becomes the
// contact's, and mail from it is theirs. A signed-up account's address: refused, clearly.
import { badInput, forbidden, isStaff, parleyError, type User, type Viewer } from '../../core/plugin-api.ts';
import * as repo from './contacts.repo.ts';
import type { Account, Ctx } from './contacts.repo.ts';
import { messageCounts, onTeam, type Contact } from './contacts.ts';

const EMAIL = /^[^\s@<>"(),;:]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export type MergeResult =
  | { result: 'merged' | 'linked'; from: string; accounts: string[]; messages: number }
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
  const rootId = await repo.rootOf(ctx.db, owner.id);
  if (rootId === contact.id) throw badInput(`${label} is already part of this contact.`, { field: 'address' });
  const root = (await repo.findAccount(ctx.db, rootId))!;
  const accounts: Account[] = [root, ...(await repo.linkedAccounts(ctx.db, rootId))];
  const real = accounts.find((a) => !a.staged);
  if (real) {
    throw parleyError('CONFLICT', `${label} belongs to @${real.username}, who has signed up: a signed-up account is never merged into another contact. Open @${real.username}'s contact page to merge this contact's addresses there instead.`,
      { details: { field: 'address', contactId: real.id } });
  }
  const ids = accounts.map((a) => a.id);
  const counts = await messageCounts(ctx, viewer, ids);
  if (!isStaff(viewer) && counts.visible < counts.total) {
    throw forbidden(`${label} has messages in inboxes you are not on, so only an admin or moderator can merge it.`);
  }
  await repo.moveContact(ctx.db, rootId, contact.id);
  const usernames = accounts.map((a) => `@${a.username}`);
  if (contact.staged) {
    await repo.link(ctx.db, contact.id, ids, viewer.id);
  } else {
    for (const id of ids) await ctx.forum.userAdmin.mergeStaged(id, contact.id);
  }
  const how = contact.staged ? 'shown here' : 'moved here';
  await repo.recordHistory(ctx.db, contact.id, viewer.id, contact.staged ? 'linked' : 'merged',
    `merged ${label} (staged ${usernames.length === 1 ? 'account' : 'accounts'} ${usernames.join(', ')}) into this contact: ${plural(counts.total, 'message')} ${how}`);
  return { result: contact.staged ? 'linked' : 'merged', from: label, accounts: usernames, messages: counts.total };
}

async function addAddress(ctx: Ctx, viewer: Viewer & { id: number }, contact: Contact, address: string): Promise<MergeResult> {
  const lower = address.toLowerCase();
  const inbox = await ctx.db.selectFrom('group_inbox_addresses').select('address_lower').where('address_lower', '=', lower).executeTakeFirst();
  if (inbox || await ctx.mail.isOwnAddress(lower)) throw badInput(`${address} is one of Parley's own addresses, not a person's.`, { field: 'address' });
  const holder = await repo.contactOfAddress(ctx.db, lower);
  if (holder === contact.id) throw badInput(`${address} is already part of this contact.`, { field: 'address' });
  if (holder !== null || !(await repo.addAddress(ctx.db, contact.id, address, viewer.id))) {
    throw parleyError('CONFLICT', `${address} was already added to another contact.`, { details: { field: 'address', contactId: holder } });
  }
  await repo.recordHistory(ctx.db, contact.id, viewer.id, 'address-added', `added ${address}: mail from it is this contact's from now on`);
  return { result: 'added', address };
}
