import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB } from '../db/schema.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';
import type { CategoriesTable, Category, CategoryPermission } from './categories.table.ts';

/** Categories the viewer can see: one granted to any of their groups (0 = everyone), or all for staff. */
export function listVisibleCategories(db: Kysely<DB>, viewer: Viewer) {
  let q = db.selectFrom('categories').selectAll('categories')
    .select((eb) => eb.selectFrom('category_groups').select(sql<CategoryPermission | null>`min(permission)`.as('p'))
      .whereRef('category_groups.category_id', '=', 'categories.id').where('category_groups.group_id', 'in', [...viewer.groupIds]).as('permission'));
  if (!isStaff(viewer)) {
    q = q.where('categories.id', 'in', (eb) => eb.selectFrom('category_groups').select('category_id').where('group_id', 'in', [...viewer.groupIds]));
  }
  return q.orderBy('categories.position').orderBy('categories.id').execute();
}

export const findCategory = (db: Kysely<DB>, id: number): Promise<Category | undefined> =>
  db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst();

export const slugTaken = async (db: Kysely<DB>, slug: string, exceptId: number | null): Promise<boolean> =>
  (await db.selectFrom('categories').select('id').where('slug', '=', slug).$if(exceptId !== null, (q) => q.where('id', '!=', exceptId!)).executeTakeFirst()) !== undefined;

export const insertCategory = (db: Kysely<DB>, values: Insertable<CategoriesTable>): Promise<Category> =>
  db.insertInto('categories').values(values).returningAll().executeTakeFirstOrThrow();

export const updateCategory = (db: Kysely<DB>, id: number, values: Updateable<CategoriesTable>): Promise<Category> =>
  db.updateTable('categories').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

export async function deleteCategory(db: Kysely<DB>, id: number): Promise<void> {
  await db.deleteFrom('categories').where('id', '=', id).execute();
}

export const topicCount = async (db: Kysely<DB>, id: number): Promise<number> =>
  (await db.selectFrom('topics').select(sql<number>`count(*)::int`.as('n')).where('category_id', '=', id).executeTakeFirstOrThrow()).n;

/** Replaces a category's permissions. */
export async function setPermissions(db: Kysely<DB>, categoryId: number, rows: Array<{ groupId: number; permission: CategoryPermission }>): Promise<void> {
  await db.deleteFrom('category_groups').where('category_id', '=', categoryId).execute();
  if (rows.length === 0) return;
  await db.insertInto('category_groups').values(rows.map((r) => ({ category_id: categoryId, group_id: r.groupId, permission: r.permission }))).execute();
}

export const permissionsOf = (db: Kysely<DB>, categoryIds: number[]) =>
  categoryIds.length === 0 ? Promise.resolve([]) :
    db.selectFrom('category_groups').innerJoin('groups', 'groups.id', 'category_groups.group_id')
      .select(['category_groups.category_id', 'groups.name', 'category_groups.permission'])
      .where('category_groups.category_id', 'in', categoryIds).orderBy('groups.name_lower').execute();

export const groupIdsByName = (db: Kysely<DB>, names: string[]) =>
  names.length === 0 ? Promise.resolve([]) :
    db.selectFrom('groups').select(['id', 'name_lower']).where('name_lower', 'in', names.map((n) => n.toLowerCase())).execute();
