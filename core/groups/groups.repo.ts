import { sql, type Expression, type ExpressionBuilder, type Insertable, type Kysely, type SqlBool, type Updateable } from 'kysely';
import type { DB } from '../db/schema.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';
import type { Group, GroupsTable, NotificationLevel } from './groups.table.ts';

export const MEMBERS_PAGE = 50;

/** The condition a `groups` row must meet for the viewer to see it. The automatic groups are never listed. */
export function groupVisibleTo(viewer: Viewer) {
  return (eb: ExpressionBuilder<DB, 'groups'>): Expression<SqlBool> => {
    if (isStaff(viewer)) return eb('groups.automatic', '=', false);
    const memberOf = viewer.groupIds.filter((g) => g !== 0);
    const seen: Expression<SqlBool>[] = [eb('groups.visibility', '=', 'public')];
    if (viewer.id !== null) seen.push(eb('groups.visibility', '=', 'logged_in'));
    if (memberOf.length) seen.push(eb.and([eb('groups.visibility', '=', 'members'), eb('groups.id', 'in', memberOf)]));
    return eb.and([eb('groups.automatic', '=', false), eb.or(seen)]);
  };
}

/** Members who show up in lists: never staged users. */
const listedMembers = (eb: ExpressionBuilder<DB, 'groups'>) =>
  eb.selectFrom('group_users').innerJoin('users', 'users.id', 'group_users.user_id')
    .select(sql<number>`count(*)::int`.as('n')).whereRef('group_users.group_id', '=', 'groups.id').where('users.staged', '=', false);

export const listVisibleGroups = (db: Kysely<DB>, viewer: Viewer) =>
  db.selectFrom('groups').selectAll('groups').select((eb) => listedMembers(eb).as('user_count'))
    .where(groupVisibleTo(viewer)).orderBy('groups.name_lower').execute();

export const findVisibleGroup = (db: Kysely<DB>, viewer: Viewer, name: string) =>
  db.selectFrom('groups').selectAll('groups').select((eb) => listedMembers(eb).as('user_count'))
    .where('groups.name_lower', '=', name.toLowerCase()).where(groupVisibleTo(viewer)).executeTakeFirst();

export const findGroupByName = (db: Kysely<DB>, name: string): Promise<Group | undefined> =>
  db.selectFrom('groups').selectAll().where('name_lower', '=', name.toLowerCase()).executeTakeFirst();

export const insertGroup = (db: Kysely<DB>, values: Insertable<GroupsTable>): Promise<Group> =>
  db.insertInto('groups').values(values).returningAll().executeTakeFirstOrThrow();

export const updateGroup = (db: Kysely<DB>, id: number, values: Updateable<GroupsTable>): Promise<Group> =>
  db.updateTable('groups').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

export const membersOf = (db: Kysely<DB>, groupId: number, page: number) =>
  db.selectFrom('group_users').innerJoin('users', 'users.id', 'group_users.user_id')
    .select(['users.id', 'users.username', 'users.name', 'group_users.owner', 'group_users.created_at as added_at'])
    .where('group_users.group_id', '=', groupId).where('users.staged', '=', false)
    .orderBy('group_users.owner', 'desc').orderBy('users.username_lower')
    .limit(MEMBERS_PAGE).offset(page * MEMBERS_PAGE).execute();

export const findMembership = (db: Kysely<DB>, groupId: number, userId: number) =>
  db.selectFrom('group_users').selectAll().where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();

/** Adds the users not yet in the group; returns the ids actually added. */
export async function insertMembers(db: Kysely<DB>, groupId: number, userIds: number[], level: NotificationLevel): Promise<number[]> {
  if (userIds.length === 0) return [];
  const rows = await db.insertInto('group_users')
    .values(userIds.map((user_id) => ({ group_id: groupId, user_id, notification_level: level })))
    .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing()).returning('user_id').execute();
  return rows.map((r) => r.user_id);
}

export async function deleteMember(db: Kysely<DB>, groupId: number, userId: number): Promise<boolean> {
  const r = await db.deleteFrom('group_users').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function updateMember(db: Kysely<DB>, groupId: number, userId: number, values: { owner?: boolean; notification_level?: NotificationLevel }): Promise<boolean> {
  const r = await db.updateTable('group_users').set(values).where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export const usersByUsernames = (db: Kysely<DB>, usernames: string[]) =>
  usernames.length === 0 ? Promise.resolve([]) :
    db.selectFrom('users').select(['id', 'username', 'username_lower']).where('username_lower', 'in', usernames.map((u) => u.toLowerCase())).execute();
