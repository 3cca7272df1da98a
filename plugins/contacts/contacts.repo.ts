// The contacts plugin's queries: who a contact is (an account, and the staged accounts shown as
// part of it), their addresses, case notes and history. Each function takes the db (or a hook's trx) first.
import { sql, type Generated, type PluginContext, type SqlBool, type TopicPredicate } from '../../core/plugin-api.ts';

export interface ContactsTables {
  contacts_notes: { id: Generated<number>; contact_id: number; author_id: number | null; raw: string; cooked: string; created_at: Generated<Date>; updated_at: Generated<Date> };
  contacts_history: { id: Generated<number>; contact_id: number; actor_id: number | null; action: string; detail: string; created_at: Generated<Date> };
  contacts_links: { user_id: number; contact_id: number; linked_by: number | null; created_at: Generated<Date> };
  contacts_addresses: { address_lower: string; address: string; contact_id: number; added_by: number | null; created_at: Generated<Date> };
  /** Read only, the group inbox's: which groups are support inboxes, and the addresses that reach them. */
  group_inbox_settings: { group_id: number };
  group_inbox_addresses: { address_lower: string; group_id: number };
}
export type Ctx = PluginContext<Record<string, never>, ContactsTables>;
export type Db = Ctx['db'];

export interface Account { id: number; username: string; name: string; staged: boolean; admin: boolean; moderator: boolean }
export interface Address { email: string; primary: boolean; userId: number; kind: 'account' | 'added' }
export interface Note { id: number; raw: string; cooked: string; authorId: number | null; author: string | null; createdAt: Date; updatedAt: Date }
export interface HistoryLine { action: string; detail: string; actor: string | null; at: Date }

const ACCOUNT = ['users.id', 'users.username', 'users.name', 'users.staged', 'users.admin', 'users.moderator'] as const;

export function findAccount(db: Db, id: number): Promise<Account | undefined> {
  return db.selectFrom('users').select(ACCOUNT).where('id', '=', id).executeTakeFirst();
}

/** The contact an account belongs to: itself, unless it was merged into another by a link. */
export async function rootOf(db: Db, userId: number): Promise<number> {
  const link = await db.selectFrom('contacts_links').select('contact_id').where('user_id', '=', userId).executeTakeFirst();
  return link?.contact_id ?? userId;
}

/** The accounts shown as part of the contact, besides the contact's own. */
export async function linkedAccounts(db: Db, contactId: number): Promise<Account[]> {
  return db.selectFrom('contacts_links').innerJoin('users', 'users.id', 'contacts_links.user_id').select(ACCOUNT)
    .where('contacts_links.contact_id', '=', contactId).orderBy('contacts_links.created_at').execute();
}

/** Every address of the contact: its accounts' (primary first), then those added here that no account has taken since. */
export async function addressesOf(db: Db, contactId: number, accountIds: number[]): Promise<Address[]> {
  const own = await db.selectFrom('user_emails').select(['email', 'is_primary', 'user_id']).where('user_id', 'in', accountIds).orderBy('is_primary', 'desc').orderBy('id').execute();
  const added = await db.selectFrom('contacts_addresses').select(['address', 'contact_id']).where('contact_id', '=', contactId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('user_emails').select('user_emails.id').whereRef('user_emails.email_lower', '=', 'contacts_addresses.address_lower'))))
    .orderBy('created_at').execute();
  const byAccount = (a: { user_id: number }) => accountIds.indexOf(a.user_id);
  return [
    ...own.sort((a, b) => byAccount(a) - byAccount(b)).map((r) => ({ email: r.email, primary: r.is_primary && r.user_id === contactId, userId: r.user_id, kind: 'account' as const })),
    ...added.map((r) => ({ email: r.address, primary: false, userId: r.contact_id, kind: 'added' as const })),
  ];
}

/** The contact an address was added to (mail from it is theirs), if any. */
export async function contactOfAddress(db: Db, address: string): Promise<number | null> {
  const row = await db.selectFrom('contacts_addresses').select('contact_id').where('address_lower', '=', address.trim().toLowerCase()).executeTakeFirst();
  return row?.contact_id ?? null;
}

export async function addAddress(db: Db, contactId: number, address: string, actorId: number): Promise<boolean> {
  const row = await db.insertInto('contacts_addresses').values({ address_lower: address.toLowerCase(), address, contact_id: contactId, added_by: actorId })
    .onConflict((oc) => oc.column('address_lower').doNothing()).returning('contact_id').executeTakeFirst();
  return row !== undefined;
}

/**
 * Group messages the contact's accounts take part in: the contact's conversations with the team.
 * A message's author is always one of its participants, so the (indexed) participants say it all.
 */
export function messagesOf(accountIds: number[]): TopicPredicate {
  return () => sql<SqlBool>`topics.id in (select tau.topic_id from topic_allowed_users tau where tau.user_id = any(${accountIds}::int[]))
    and exists (select 1 from topic_allowed_groups tag where tag.topic_id = topics.id)`;
}

/** The groups each message was sent to, by topic id. */
export async function groupsOf(db: Db, topicIds: number[]): Promise<Map<number, Array<{ name: string; fullName: string }>>> {
  const out = new Map<number, Array<{ name: string; fullName: string }>>();
  if (topicIds.length === 0) return out;
  const rows = await db.selectFrom('topic_allowed_groups').innerJoin('groups', 'groups.id', 'topic_allowed_groups.group_id')
    .select(['topic_allowed_groups.topic_id', 'groups.name', 'groups.full_name']).where('topic_allowed_groups.topic_id', 'in', topicIds).orderBy('groups.name').execute();
  for (const r of rows) out.set(r.topic_id, [...(out.get(r.topic_id) ?? []), { name: r.name, fullName: r.full_name }]);
  return out;
}

/** Whether the user works a support inbox: a member of a group that has inbox settings. */
export async function onInboxTeam(db: Db, groupIds: readonly number[]): Promise<boolean> {
  const groups = groupIds.filter((g) => g !== 0);
  if (groups.length === 0) return false;
  return (await db.selectFrom('group_inbox_settings').select('group_id').where('group_id', 'in', groups).limit(1).executeTakeFirst()) !== undefined;
}

export async function notesOf(db: Db, contactId: number): Promise<Note[]> {
  const rows = await db.selectFrom('contacts_notes').leftJoin('users', 'users.id', 'contacts_notes.author_id')
    .select(['contacts_notes.id', 'contacts_notes.raw', 'contacts_notes.cooked', 'contacts_notes.author_id', 'users.username', 'contacts_notes.created_at', 'contacts_notes.updated_at'])
    .where('contacts_notes.contact_id', '=', contactId).orderBy('contacts_notes.created_at', 'desc').orderBy('contacts_notes.id', 'desc').execute();
  return rows.map((r) => ({ id: r.id, raw: r.raw, cooked: r.cooked, authorId: r.author_id, author: r.username, createdAt: r.created_at, updatedAt: r.updated_at }));
}

export function findNote(db: Db, contactId: number, noteId: number) {
  return db.selectFrom('contacts_notes').selectAll().where('id', '=', noteId).where('contact_id', '=', contactId).executeTakeFirst();
}

export function insertNote(db: Db, contactId: number, authorId: number, raw: string, cooked: string) {
  return db.insertInto('contacts_notes').values({ contact_id: contactId, author_id: authorId, raw, cooked }).returning('id').executeTakeFirstOrThrow();
}

export async function updateNote(db: Db, noteId: number, raw: string, cooked: string, now: Date): Promise<void> {
  await db.updateTable('contacts_notes').set({ raw, cooked, updated_at: now }).where('id', '=', noteId).execute();
}

export async function deleteNote(db: Db, noteId: number): Promise<void> {
  await db.deleteFrom('contacts_notes').where('id', '=', noteId).execute();
}

export async function historyOf(db: Db, contactId: number): Promise<HistoryLine[]> {
  const rows = await db.selectFrom('contacts_history').leftJoin('users', 'users.id', 'contacts_history.actor_id')
    .select(['contacts_history.action', 'contacts_history.detail', 'users.username', 'contacts_history.created_at'])
    .where('contacts_history.contact_id', '=', contactId).orderBy('contacts_history.created_at', 'desc').orderBy('contacts_history.id', 'desc').execute();
  return rows.map((r) => ({ action: r.action, detail: r.detail, actor: r.username, at: r.created_at }));
}

export async function recordHistory(db: Db, contactId: number, actorId: number, action: string, detail: string): Promise<void> {
  await db.insertInto('contacts_history').values({ contact_id: contactId, actor_id: actorId, action, detail }).execute();
}

/** Everything of this plugin's about contact `from` now belongs to contact `into` (a merge). */
export async function moveContact(db: Db, from: number, into: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('contacts_notes').set({ contact_id: into }).where('contact_id', '=', from).execute();
    await trx.updateTable('contacts_history').set({ contact_id: into }).where('contact_id', '=', from).execute();
    await trx.updateTable('contacts_addresses').set({ contact_id: into }).where('contact_id', '=', from).execute();
    await trx.updateTable('contacts_links').set({ contact_id: into }).where('contact_id', '=', from).execute();
    await trx.deleteFrom('contacts_links').where('user_id', '=', into).execute();
  });
}

/** Shows these accounts as part of the contact from now on. */
export async function link(db: Db, contactId: number, userIds: number[], actorId: number): Promise<void> {
  if (userIds.length === 0) return;
  await db.insertInto('contacts_links').values(userIds.map((u) => ({ user_id: u, contact_id: contactId, linked_by: actorId })))
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ contact_id: contactId, linked_by: actorId })).execute();
}
