// The queries of the canned-replies plugin, one small function each, `db` first.
import { onMessageTeam, sql, type Generated, type PluginContext, type SqlBool } from '../../core/plugin-api.ts';

export interface CannedTables {
  canned_replies_entries: {
    id: Generated<number>;
    group_id: number;
    title: string;
    body: string;
    usage_count: Generated<number>;
    last_used_at: Date | null;
    created_by: number | null;
    updated_by: number | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
}
export type Ctx = PluginContext<Record<string, never>, CannedTables>;
export type Db = Ctx['db'];

/** One canned reply, as the API and the pages show it. */
export interface Entry {
  id: number;
  groupId: number;
  groupName: string;
  groupFullName: string;
  title: string;
  body: string;
  usageCount: number;
  lastUsedAt: Date | null;
  updatedAt: Date;
}

export interface GroupRow { id: number; name: string; full_name: string }

const entries = (db: Db) => db.selectFrom('canned_replies_entries as e').innerJoin('groups as g', 'g.id', 'e.group_id')
  .select(['e.id', 'e.group_id', 'g.name', 'g.full_name', 'e.title', 'e.body', 'e.usage_count', 'e.last_used_at', 'e.updated_at']);

type Row = Awaited<ReturnType<ReturnType<typeof entries>['executeTakeFirstOrThrow']>>;
const toEntry = (r: Row): Entry => ({
  id: r.id, groupId: r.group_id, groupName: r.name, groupFullName: r.full_name, title: r.title, body: r.body,
  usageCount: r.usage_count, lastUsedAt: r.last_used_at, updatedAt: r.updated_at,
});

const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The replies of these groups that match every word of `query` in their title or body; titles
 * that hold the whole query come first, then the most used.
 */
export async function search(db: Db, groupIds: number[], query: string, limit: number): Promise<Entry[]> {
  if (groupIds.length === 0) return [];
  const terms = query.trim().split(/\s+/).filter(Boolean).slice(0, 8);
  let q = entries(db).where('e.group_id', 'in', groupIds);
  for (const term of terms) q = q.where(sql<SqlBool>`(e.title ilike ${likePattern(term)} or e.body ilike ${likePattern(term)})`);
  const phrase = likePattern(query.trim());
  const rows = await q.orderBy(sql`e.title ilike ${phrase}`, 'desc').orderBy('e.usage_count', 'desc').orderBy(sql`lower(e.title)`).orderBy('e.id')
    .limit(limit).execute();
  return rows.map(toEntry);
}

export async function find(db: Db, id: number): Promise<Entry | null> {
  const row = await entries(db).where('e.id', '=', id).executeTakeFirst();
  return row ? toEntry(row) : null;
}

export async function titleTaken(db: Db, groupId: number, title: string, exceptId: number | null): Promise<boolean> {
  const row = await db.selectFrom('canned_replies_entries').select('id').where('group_id', '=', groupId)
    .where(sql<SqlBool>`lower(title) = lower(${title})`).where('id', '!=', exceptId ?? -1).executeTakeFirst();
  return Boolean(row);
}

export async function insert(db: Db, groupId: number, input: { title: string; body: string }, userId: number): Promise<number> {
  const row = await db.insertInto('canned_replies_entries').values({ group_id: groupId, ...input, created_by: userId, updated_by: userId })
    .returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function update(db: Db, id: number, input: { title: string; body: string }, userId: number): Promise<void> {
  await db.updateTable('canned_replies_entries').set({ ...input, updated_by: userId, updated_at: sql`now()` }).where('id', '=', id).execute();
}

export async function remove(db: Db, id: number): Promise<void> {
  await db.deleteFrom('canned_replies_entries').where('id', '=', id).execute();
}

/** Counts one use, atomically (two agents inserting at once both count); the new count. */
export async function countUse(db: Db, id: number): Promise<number> {
  const row = await db.updateTable('canned_replies_entries').set({ usage_count: sql`usage_count + 1`, last_used_at: sql`now()` })
    .where('id', '=', id).returning('usage_count').executeTakeFirstOrThrow();
  return row.usage_count;
}

/** How many replies each of these groups' libraries holds. */
export async function librarySizes(db: Db, groupIds: number[]): Promise<Map<number, number>> {
  if (groupIds.length === 0) return new Map();
  const rows = await db.selectFrom('canned_replies_entries').select(['group_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('group_id', 'in', groupIds).groupBy('group_id').execute();
  return new Map(rows.map((r) => [r.group_id, Number(r.n)]));
}

/** A group by name (not the automatic ones, which have no library). */
export async function groupByName(db: Db, name: string): Promise<GroupRow | null> {
  return (await db.selectFrom('groups').select(['id', 'name', 'full_name']).where('name_lower', '=', name.toLowerCase()).where('automatic', '=', false).executeTakeFirst()) ?? null;
}

export async function groupsByIds(db: Db, ids: number[]): Promise<GroupRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('groups').select(['id', 'name', 'full_name']).where('id', 'in', ids).where('automatic', '=', false).orderBy('name').execute();
}

/** The groups of a message (its allowed groups). */
export async function topicGroupIds(db: Db, topicId: number): Promise<number[]> {
  return (await db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topicId).execute()).map((r) => r.group_id);
}

/** The groups among these the user owns. */
export async function ownedGroupIds(db: Db, userId: number, groupIds: number[]): Promise<number[]> {
  if (groupIds.length === 0) return [];
  return (await db.selectFrom('group_users').select('group_id').where('user_id', '=', userId).where('owner', '=', true).where('group_id', 'in', groupIds).execute()).map((r) => r.group_id);
}

/**
 * The customer of a message: its author, when that author is neither staff nor a member of any of
 * its groups (typically a staged account made from their mail).
 */
export async function customerOf(db: Db, topicId: number): Promise<{ name: string; username: string } | null> {
  const row = await db.selectFrom('topics').innerJoin('users as u', 'u.id', 'topics.user_id').select(['u.name', 'u.username'])
    .where('topics.id', '=', topicId).where(({ not }) => not(onMessageTeam(sql.ref('topics.user_id'), sql.ref('topics.id'))))
    .executeTakeFirst();
  return row ?? null;
}

export async function topicLink(db: Db, topicId: number): Promise<{ title: string; slug: string; id: number } | null> {
  return (await db.selectFrom('topics').select(['id', 'title', 'slug']).where('id', '=', topicId).executeTakeFirst()) ?? null;
}

export async function userNames(db: Db, userId: number): Promise<{ name: string; username: string }> {
  return db.selectFrom('users').select(['name', 'username']).where('id', '=', userId).executeTakeFirstOrThrow();
}
