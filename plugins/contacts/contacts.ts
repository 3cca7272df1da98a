// A contact as the team sees it: who may open one, the person's messages through the guardian's
// eyes, and the case notes. Merging addresses is in merge.ts.
import { badInput, cook, forbidden, isStaff, notFound, onMessageTeam, sql, type Viewer } from '../../core/plugin-api.ts';
import * as repo from './contacts.repo.ts';
import type { Account, Ctx } from './contacts.repo.ts';

/** A contact: a person's account, staged or not (staged accounts merged in are part of it, by core's merge). */
export type Contact = Account;

export const MAX_NOTE = 20_000;

/** Staff, and the members of any group inbox (the support team): who may open contact pages. */
export async function onTeam(ctx: Ctx, viewer: Viewer): Promise<boolean> {
  if (viewer.id === null) return false;
  return isStaff(viewer) || repo.onInboxTeam(ctx.db, viewer.groupIds);
}

/** How many of the account's group messages the viewer may see, and how many there are. */
export async function messageCounts(ctx: Ctx, viewer: Viewer, accountId: number): Promise<{ visible: number; total: number }> {
  const visible = await ctx.guardian.topicPredicate(viewer, { archetype: 'private_message' });
  const row = await ctx.db.selectFrom('topics')
    .select((eb) => [eb.fn.countAll<string>().as('total'), eb.fn.countAll<string>().filterWhere(visible).as('visible')])
    .where('topics.archetype', '=', 'private_message').where(repo.messagesOf(accountId)).executeTakeFirstOrThrow();
  return { visible: Number(row.visible), total: Number(row.total) };
}

/**
 * An account's contact, as the viewer may open it. The team opens the contact of anyone who has
 * a message they can see; staff open anyone's. Everyone else: not found, never forbidden.
 */
export async function openContact(ctx: Ctx, viewer: Viewer, id: number): Promise<Contact> {
  if (!Number.isInteger(id) || id < 1 || !(await onTeam(ctx, viewer))) throw notFound('That contact');
  const contact = await repo.findAccount(ctx.db, id);
  if (!contact) throw notFound('That contact');
  if (!isStaff(viewer) && (await messageCounts(ctx, viewer, contact.id)).visible === 0) throw notFound('That contact');
  return contact;
}

/** The contact's messages the viewer may see, newest first, 30 a page, each with the groups it went to. */
export async function messagesPage(ctx: Ctx, viewer: Viewer, contact: Contact, page: number) {
  // Core's list, so the guardian's one condition applies: the contact's own inbox, as the viewer may see it.
  const list = await ctx.forum.lists.list(viewer, { list: 'inbox', archetype: 'private_message', page, where: [repo.messagesOf(contact.id)] });
  const groups = await repo.groupsOf(ctx.db, list.topics.map((t) => t.id));
  return { ...list, topics: list.topics.map((t) => ({ ...t, groups: groups.get(t.id) ?? [] })) };
}

/** Everything about the contact but its messages: addresses, notes (with who may change each), history. */
export async function details(ctx: Ctx, viewer: Viewer, contact: Contact) {
  const [addresses, notes, history] = await Promise.all([repo.addressesOf(ctx.db, contact.id), repo.notesOf(ctx.db, contact.id), repo.historyOf(ctx.db, contact.id)]);
  const { admin: _admin, moderator: _moderator, ...shown } = contact;
  return { contact: shown, addresses, notes: notes.map((n) => ({ ...n, canEdit: mayChange(viewer, n) })), history };
}

const mayChange = (viewer: Viewer, note: { authorId: number | null }) => viewer.admin || (viewer.id !== null && note.authorId === viewer.id);

function noteText(raw: unknown): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text) throw badInput('Write the note first.', { field: 'raw' });
  if (text.length > MAX_NOTE) throw badInput(`A note holds at most ${MAX_NOTE} characters.`, { field: 'raw' });
  return text;
}

export async function addNote(ctx: Ctx, viewer: Viewer & { id: number }, contact: Contact, raw: unknown) {
  const text = noteText(raw);
  const { id } = await repo.insertNote(ctx.db, contact.id, viewer.id, text, cook(text));
  return (await repo.notesOf(ctx.db, contact.id)).find((n) => n.id === id)!;
}

/** A note of this contact that the viewer may change: its author's, or any for an admin. */
async function changeableNote(ctx: Ctx, viewer: Viewer, contact: Contact, noteId: number) {
  const note = Number.isInteger(noteId) ? await repo.findNote(ctx.db, contact.id, noteId) : undefined;
  if (!note) throw notFound('That note');
  if (!mayChange(viewer, { authorId: note.author_id })) throw forbidden('Only the note\'s author or an admin can change it.');
  return note;
}

export async function editNote(ctx: Ctx, viewer: Viewer, contact: Contact, noteId: number, raw: unknown) {
  const text = noteText(raw);
  await changeableNote(ctx, viewer, contact, noteId);
  await repo.updateNote(ctx.db, noteId, text, cook(text), ctx.now());
  return (await repo.notesOf(ctx.db, contact.id)).find((n) => n.id === noteId)!;
}

export async function removeNote(ctx: Ctx, viewer: Viewer, contact: Contact, noteId: number): Promise<void> {
  await changeableNote(ctx, viewer, contact, noteId);
  await repo.deleteNote(ctx.db, noteId);
}

/**
 * The person a group message is with, for the team: its author unless that is staff or a member
 * of the message's groups (a message the team started), else the first participant who is neither.
 */
export async function customerOf(ctx: Ctx, topicId: number): Promise<{ id: number; username: string; name: string } | null> {
  const { rows } = await sql<{ id: number; username: string; name: string }>`
    select u.id, u.username, u.name from users u join topics t on t.id = ${topicId}
    where (u.id = t.user_id or exists (select 1 from topic_allowed_users tau where tau.topic_id = t.id and tau.user_id = u.id))
      and exists (select 1 from topic_allowed_groups tag where tag.topic_id = t.id)
      and not ${onMessageTeam(sql.ref('u.id'), sql.ref('t.id'))}
    order by (u.id = t.user_id) desc, u.id limit 1`.execute(ctx.db);
  return rows[0] ?? null;
}
