import { sql, type Expression, type Generated, type Kysely } from '../../core/plugin-api.ts';

export interface GroupInboxTables {
  group_inbox_settings: {
    group_id: number;
    from_name: Generated<string>;
    from_address: string | null;
    allow_unknown_repliers: Generated<boolean>;
    cc_cap: Generated<number>;
    /** The group's own SMTP server (a nodemailer URL with its credentials); null sends by the site's. */
    smtp_url: string | null;
    updated_at: Generated<Date>;
  };
  group_inbox_addresses: { address_lower: string; group_id: number; position: Generated<number>; created_at: Generated<Date> };
  group_inbox_archived: { group_id: number; topic_id: number; archived_by: number | null; archived_at: Generated<Date> };
  /** Messages the group marked as spam: out of every other tab until someone says "Not spam". */
  group_inbox_spam: { group_id: number; topic_id: number; marked_by: number | null; marked_at: Generated<Date>; blocked_address: string | null };
  /** Messages a team member opened on a customer's behalf, and how they came in. */
  group_inbox_opened: { topic_id: number; group_id: number; opened_by: number | null; channel: string; created_at: Generated<Date> };
}

/** The database as the plugin sees it: core's tables and its own. */
export type InboxDb = Kysely<GroupInboxTables & {
  groups: { id: number; name: string; name_lower: string; full_name: string; automatic: boolean };
  group_users: { group_id: number; user_id: number };
  topics: { id: number; archetype: string; highest_post_number: number; deleted_at: Date | null; user_id: number | null };
  posts: { id: number; topic_id: number; post_number: number; user_id: number | null };
  incoming_emails: { post_id: number | null; from_address: string | null };
  topic_users: { user_id: number; topic_id: number; last_read_post_number: number };
  topic_allowed_groups: { topic_id: number; group_id: number };
  topic_allowed_users: { topic_id: number; user_id: number };
  user_emails: { user_id: number; email_lower: string; is_primary: boolean };
}>;

/** One group's inbox: how it answers and what reaches it. */
export interface InboxSettings {
  groupId: number;
  groupName: string;
  groupFullName: string;
  addresses: string[];
  fromName: string;
  fromAddress: string | null;
  allowUnknownRepliers: boolean;
  ccCap: number;
  /** Whether the group sends through its own SMTP server (its URL is never shown again). */
  smtpConfigured: boolean;
}

const ADDRESS = /^[^\s@<>"(),;:]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

export function validAddress(address: string): boolean { return ADDRESS.test(address) && address.length <= 254; }

/** The inbox a set of recipient addresses reaches (the first that belongs to a group), if any. */
export async function inboxForRecipients(db: InboxDb, recipients: string[]): Promise<{ groupId: number; address: string } | null> {
  if (recipients.length === 0) return null;
  const rows = await db.selectFrom('group_inbox_addresses').select(['address_lower', 'group_id']).where('address_lower', 'in', recipients).execute();
  for (const address of recipients) {
    const row = rows.find((r) => r.address_lower === address);
    if (row) return { groupId: row.group_id, address };
  }
  return null;
}

export async function settingsOf(db: InboxDb, groupId: number): Promise<InboxSettings | null> {
  const row = await db.selectFrom('groups').leftJoin('group_inbox_settings as s', 's.group_id', 'groups.id')
    .select(['groups.id', 'groups.name', 'groups.full_name', 's.from_name', 's.from_address', 's.allow_unknown_repliers', 's.cc_cap', 's.smtp_url'])
    .select((eb) => sql<string[]>`array(${eb.selectFrom('group_inbox_addresses').select('address_lower').whereRef('group_inbox_addresses.group_id', '=', 'groups.id').orderBy('position').orderBy('address_lower')})`.as('addresses'))
    .where('groups.id', '=', groupId).executeTakeFirst();
  if (!row) return null;
  return {
    groupId: row.id, groupName: row.name, groupFullName: row.full_name, addresses: row.addresses,
    fromName: row.from_name ?? '', fromAddress: row.from_address ?? null,
    allowUnknownRepliers: row.allow_unknown_repliers ?? false, ccCap: row.cc_cap ?? 10, smtpConfigured: Boolean(row.smtp_url),
  };
}

/** Every group with an inbox address, for admin. */
export async function inboxGroups(db: InboxDb): Promise<Array<{ groupId: number; name: string; addresses: string[] }>> {
  const rows = await db.selectFrom('group_inbox_addresses').innerJoin('groups', 'groups.id', 'group_inbox_addresses.group_id')
    .select(['groups.id', 'groups.name', 'group_inbox_addresses.address_lower']).orderBy('groups.name').orderBy('position').execute();
  const byGroup = new Map<number, { groupId: number; name: string; addresses: string[] }>();
  for (const r of rows) {
    const entry = byGroup.get(r.id) ?? { groupId: r.id, name: r.name, addresses: [] };
    entry.addresses.push(r.address_lower);
    byGroup.set(r.id, entry);
  }
  return [...byGroup.values()];
}

/** `smtpUrl`: undefined keeps the current one, null removes it. */
export interface SettingsInput { addresses: string[]; fromName: string; fromAddress: string | null; allowUnknownRepliers: boolean; ccCap: number; smtpUrl?: string | null }

/** Replaces a group's inbox settings; an address another group already has is a conflict naming that group. */
export async function saveSettings(db: InboxDb, groupId: number, input: SettingsInput): Promise<{ takenBy: string; address: string } | null> {
  return db.transaction().execute(async (trx) => {
    const taken = input.addresses.length === 0 ? undefined : await trx.selectFrom('group_inbox_addresses').innerJoin('groups', 'groups.id', 'group_inbox_addresses.group_id')
      .select(['groups.name', 'address_lower']).where('address_lower', 'in', input.addresses).where('group_inbox_addresses.group_id', '!=', groupId).executeTakeFirst();
    if (taken) return { takenBy: taken.name, address: taken.address_lower };
    const values = { from_name: input.fromName, from_address: input.fromAddress, allow_unknown_repliers: input.allowUnknownRepliers, cc_cap: input.ccCap,
      ...(input.smtpUrl !== undefined ? { smtp_url: input.smtpUrl } : {}) };
    await trx.insertInto('group_inbox_settings').values({ group_id: groupId, smtp_url: null, ...values })
      .onConflict((oc) => oc.column('group_id').doUpdateSet({ ...values, updated_at: sql`now()` })).execute();
    await trx.deleteFrom('group_inbox_addresses').where('group_id', '=', groupId).execute();
    if (input.addresses.length) await trx.insertInto('group_inbox_addresses').values(input.addresses.map((a, position) => ({ address_lower: a, group_id: groupId, position }))).execute();
    return null;
  });
}

/** The group inboxes a message belongs to: the allowed groups of the topic that have an address. */
export async function inboxGroupsOfTopic(db: InboxDb, topicId: number): Promise<number[]> {
  const rows = await db.selectFrom('topic_allowed_groups').select('topic_allowed_groups.group_id')
    .where('topic_allowed_groups.topic_id', '=', topicId)
    .where((eb) => eb.exists(eb.selectFrom('group_inbox_addresses').select(sql`1`.as('one')).whereRef('group_inbox_addresses.group_id', '=', 'topic_allowed_groups.group_id')))
    .orderBy('topic_allowed_groups.group_id').execute();
  return rows.map((r) => r.group_id);
}

/** Whether the user takes part in the message: allowed directly, or a member of one of its groups. */
export async function takesPart(db: InboxDb, topicId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('topics').select('topics.id').where('topics.id', '=', topicId)
    .where((eb) => eb.or([
      eb.exists(eb.selectFrom('topic_allowed_users').select(sql`1`.as('one')).where('topic_allowed_users.topic_id', '=', topicId).where('topic_allowed_users.user_id', '=', userId)),
      eb.exists(eb.selectFrom('topic_allowed_groups').innerJoin('group_users', 'group_users.group_id', 'topic_allowed_groups.group_id')
        .select(sql`1`.as('one')).where('topic_allowed_groups.topic_id', '=', topicId).where('group_users.user_id', '=', userId)),
    ])).executeTakeFirst();
  return row !== undefined;
}

export async function isMember(db: InboxDb, groupId: number, userId: number): Promise<boolean> {
  return (await db.selectFrom('group_users').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()) !== undefined;
}

/** Archives messages for the group; answers how many were not archived before. A message marked as spam stays in Spam. */
export async function archive(db: InboxDb, groupId: number, topicIds: number[], userId: number): Promise<number> {
  if (topicIds.length === 0) return 0;
  const rows = await db.insertInto('group_inbox_archived').values(topicIds.map((topic_id) => ({ group_id: groupId, topic_id, archived_by: userId })))
    .onConflict((oc) => oc.columns(['group_id', 'topic_id']).doNothing()).returning('topic_id').execute();
  return rows.length;
}

export async function unarchive(db: InboxDb, groupId: number | null, topicId: number): Promise<number> {
  return unarchiveMany(db, groupId, [topicId]);
}

/** Moves messages back to the inbox (of one group, or of every group when `groupId` is null); answers how many were archived. */
export async function unarchiveMany(db: InboxDb, groupId: number | null, topicIds: number[]): Promise<number> {
  if (topicIds.length === 0) return 0;
  let q = db.deleteFrom('group_inbox_archived').where('topic_id', 'in', topicIds);
  if (groupId !== null) q = q.where('group_id', '=', groupId);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Marks messages as the group's spam (out of the inbox and the archive); answers which were not spam before. */
export async function markSpam(db: InboxDb, groupId: number, topicIds: number[], userId: number): Promise<number[]> {
  if (topicIds.length === 0) return [];
  const rows = await db.insertInto('group_inbox_spam').values(topicIds.map((topic_id) => ({ group_id: groupId, topic_id, marked_by: userId, blocked_address: null })))
    .onConflict((oc) => oc.columns(['group_id', 'topic_id']).doNothing()).returning('topic_id').execute();
  await db.deleteFrom('group_inbox_archived').where('group_id', '=', groupId).where('topic_id', 'in', topicIds).execute();
  return rows.map((r) => r.topic_id);
}

/** Records the address blocked when a message was marked as spam. */
export async function recordBlocked(db: InboxDb, groupId: number, topicId: number, address: string): Promise<void> {
  await db.updateTable('group_inbox_spam').set({ blocked_address: address }).where('group_id', '=', groupId).where('topic_id', '=', topicId).execute();
}

/** "Not spam": the messages are back in the inbox; answers which were spam. */
export async function unmarkSpam(db: InboxDb, groupId: number, topicIds: number[]): Promise<number[]> {
  if (topicIds.length === 0) return [];
  const rows = await db.deleteFrom('group_inbox_spam').where('group_id', '=', groupId).where('topic_id', 'in', topicIds).returning('topic_id').execute();
  const restored = rows.map((r) => r.topic_id);
  if (restored.length) await db.deleteFrom('group_inbox_archived').where('group_id', '=', groupId).where('topic_id', 'in', restored).execute();
  return restored;
}

/** Whether the group marked the message as spam, with who did and when. */
export async function spamMark(db: InboxDb, groupId: number, topicId: number): Promise<{ markedBy: number | null; markedAt: Date; blockedAddress: string | null } | null> {
  const row = await db.selectFrom('group_inbox_spam').select(['marked_by', 'marked_at', 'blocked_address']).where('group_id', '=', groupId).where('topic_id', '=', topicId).executeTakeFirst();
  return row ? { markedBy: row.marked_by, markedAt: row.marked_at, blockedAddress: row.blocked_address } : null;
}

/** Of these topic ids, those that are messages of the group (not deleted). */
export async function groupMessageIds(db: InboxDb, groupId: number, topicIds: number[]): Promise<Set<number>> {
  if (topicIds.length === 0) return new Set();
  const rows = await db.selectFrom('topics').innerJoin('topic_allowed_groups as g', 'g.topic_id', 'topics.id').select('topics.id')
    .where('g.group_id', '=', groupId).where('topics.id', 'in', topicIds).where('topics.archetype', '=', 'private_message').where('topics.deleted_at', 'is', null).execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * Who sent each message: the author of its first post and the address their mail came from (or
 * their primary address, for a message not started by mail).
 */
export async function sendersOf(db: InboxDb, topicIds: number[]): Promise<Array<{ topicId: number; userId: number | null; address: string | null }>> {
  if (topicIds.length === 0) return [];
  const rows = await db.selectFrom('topics')
    .leftJoin('posts as p', (j) => j.onRef('p.topic_id', '=', 'topics.id').on('p.post_number', '=', 1))
    .leftJoin('incoming_emails as m', 'm.post_id', 'p.id')
    .leftJoin('user_emails as e', (j) => j.onRef('e.user_id', '=', 'topics.user_id').on('e.is_primary', '=', true))
    .select(['topics.id', 'topics.user_id', 'm.from_address', 'e.email_lower'])
    .where('topics.id', 'in', topicIds).orderBy('topics.id').execute();
  const seen = new Map<number, { topicId: number; userId: number | null; address: string | null }>();
  for (const r of rows) if (!seen.has(r.id)) seen.set(r.id, { topicId: r.id, userId: r.user_id, address: (r.from_address ?? r.email_lower)?.toLowerCase() ?? null });
  return [...seen.values()];
}

/** Records that a team member opened the message on a customer's behalf, and how it came in. */
export async function recordOpened(db: InboxDb, groupId: number, topicId: number, openedBy: number, channel: string): Promise<void> {
  await db.insertInto('group_inbox_opened').values({ topic_id: topicId, group_id: groupId, opened_by: openedBy, channel }).execute();
}

export type InboxFilter = 'inbox' | 'new' | 'unread' | 'archive' | 'spam';
export const FILTERS: InboxFilter[] = ['inbox', 'new', 'unread', 'archive', 'spam'];

/** How many messages of the group each filter holds for this member (only those they may see: `visibleIds`). Spam counts only in Spam. */
export async function filterCounts(db: InboxDb, groupId: number, userId: number, counted: Expression<number>): Promise<Record<InboxFilter, number>> {
  const row = await db.selectFrom('topics')
    .innerJoin('topic_allowed_groups as g', (j) => j.onRef('g.topic_id', '=', 'topics.id').on('g.group_id', '=', groupId))
    .leftJoin('group_inbox_archived as a', (j) => j.onRef('a.topic_id', '=', 'topics.id').on('a.group_id', '=', groupId))
    .leftJoin('group_inbox_spam as s', (j) => j.onRef('s.topic_id', '=', 'topics.id').on('s.group_id', '=', groupId))
    .leftJoin('topic_users as tu', (j) => j.onRef('tu.topic_id', '=', 'topics.id').on('tu.user_id', '=', userId))
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere((w) => w.and([w('a.topic_id', 'is', null), w('s.topic_id', 'is', null)])).as('inbox'),
      eb.fn.countAll<string>().filterWhere((w) => w.and([w('a.topic_id', 'is', null), w('s.topic_id', 'is', null), w('tu.topic_id', 'is', null)])).as('new'),
      eb.fn.countAll<string>().filterWhere((w) => w.and([w('a.topic_id', 'is', null), w('s.topic_id', 'is', null), w('tu.last_read_post_number', '<', counted)])).as('unread'),
      eb.fn.countAll<string>().filterWhere((w) => w.and([w('a.topic_id', 'is not', null), w('s.topic_id', 'is', null)])).as('archive'),
      eb.fn.countAll<string>().filterWhere('s.topic_id', 'is not', null).as('spam'),
    ])
    .where('topics.archetype', '=', 'private_message').where('topics.deleted_at', 'is', null).executeTakeFirstOrThrow();
  return { inbox: Number(row.inbox), new: Number(row.new), unread: Number(row.unread), archive: Number(row.archive), spam: Number(row.spam) };
}

/** The group's SMTP URL, for the moment a message goes out by it. */
export async function smtpUrlOf(db: InboxDb, groupId: number): Promise<string | null> {
  return (await db.selectFrom('group_inbox_settings').select('smtp_url').where('group_id', '=', groupId).executeTakeFirst())?.smtp_url ?? null;
}
