import type { Generated, Selectable } from 'kysely';

/** 1 create topics (and reply, see), 2 reply (and see), 3 see only. Lower is more. */
export type CategoryPermission = 1 | 2 | 3;
export const Permission = { create: 1, reply: 2, see: 3 } as const satisfies Record<string, CategoryPermission>;

export interface CategoriesTable {
  id: Generated<number>;
  name: string;
  slug: string;
  description: Generated<string>;
  color: Generated<string>;
  position: Generated<number>;
  created_at: Generated<Date>;
  /** Mail to this address starts a topic in the category. */
  email_in: Generated<string | null>;
}

export interface CategoryGroupsTable {
  category_id: number;
  group_id: number;
  permission: CategoryPermission;
}

export type Category = Selectable<CategoriesTable>;
