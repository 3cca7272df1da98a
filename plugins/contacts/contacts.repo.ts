// The contacts plugin's queries: who a contact is (an account, staged or not), their addresses,
// case notes and history. Each function takes the db (or a hook's trx) first.
import { sql, type Generated, type PluginContext, type SqlBool, type TopicPredicate } from '../../core/plugin-api.ts';

export interface ContactsTables {
  contacts_notes: { id: Generated<number>; contact_id: number; author_id: number | null; raw: string; cooked: string; created_at: Generated<Date>; updated_at: Generated<Date> };
  contacts_history: { id: Generated<number>; contact_id: number; actor_id: number | null; action: string; detail: string; created_at: Generated<Date> };
  /** Read only, the group inbox's: which groups are support inboxes, and the addresses that reach them. */
  group_inbox_settings: { group_id: number };
  group_inbox_addresses: { address_lower: string; group_id: number };
}
export type Ctx = PluginContext<Record<string, never>, ContactsTables>;
export type Db = Ctx['db'];

export interface Account { id: number; username: string; name: string; staged: boolean; admin: boolean; moderator: boolean }
export interface Address { email: string; primary: boolean }
export interface Note { id: number; raw: string; cooked: string; authorId: number | null; author: string | null; createdAt: Date; updatedAt: Date }
export interface HistoryLine { action: string; detail: string; actor: string | null; at: Date }

const ACCOUNT = ['users.id', 'users.username', 'users.name', 'users.staged', 'users.admin', 'users.moderator'] as const;

export function findAccount(db: Db, id: number): Promise<Account | undefined> {
  return db.selectFrom('users').select(ACCOUNT).where('id', '=', id).executeTakeFirst();
}

/** Every address of the contact's account, primary first (secondary ones: merged accounts' and those added here). */
export async function addressesOf(db: Db, contactId: number): Promise<Address[]> {
  const rows = await db.selectFrom('user_emails').select(['email', 'is_primary']).where('user_id', '=', contactId).orderBy('is_primary', 'desc').orderBy('id').execute();
  return rows.map((r) => ({ email: r.email, primary: r.is_primary }));
}

/**
 * Group messages the contact takes part in: their conversations with the team. A message's author
 * is always one of its participants, so the (indexed) participants say it all.
 */
export function messagesOf(contactId: number): TopicPredicate {
  return () => sql<SqlBool>`topics.id in (select tau.topic_id from topic_allowed_users tau where tau.user_id = ${contactId})
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

export async function recordHistory(db: Db, contactId: number, actorId: number | null, action: string, detail: string): Promise<void> {
  await db.insertInto('contacts_history').values({ contact_id: contactId, actor_id: actorId, action, detail }).execute();
}

/**
 * Everything of this plugin's about account `from` belongs to account `into` now: core is merging
 * the one into the other (`user-merge`, inside its transaction, so `db` is that transaction).
 */
export async function moveContact(db: Db, from: number, into: number): Promise<{ notes: number; history: number }> {
  const notes = await db.updateTable('contacts_notes').set({ contact_id: into }).where('contact_id', '=', from).executeTakeFirst();
  const history = await db.updateTable('contacts_history').set({ contact_id: into }).where('contact_id', '=', from).executeTakeFirst();
  return { notes: Number(notes.numUpdatedRows), history: Number(history.numUpdatedRows) };
}
