import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/unit-of-work.ts';
import { badInput, notFound, parleyError } from '../errors.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { signalVisibilityChanged } from '../realtime/live-hub.ts';
import { isStaff, type Viewer } from '../permissions/viewer.ts';
import * as repo from './categories.repo.ts';
import { Permission, type Category, type CategoryPermission } from './categories.table.ts';

export type PermissionName = keyof typeof Permission;
export interface CategoryGrant { group: string; permission: PermissionName }

export interface CategoryInput {
  name?: string;
  description?: string;
  color?: string;
  position?: number;
  /** Mail to this address starts a topic here; null removes it. */
  emailIn?: string | null;
  /** Replaces every grant. No grants at all means staff only. */
  permissions?: CategoryGrant[];
}

const NAMES: Record<CategoryPermission, PermissionName> = { 1: 'create', 2: 'reply', 3: 'see' };

/** Categories: who sees them (through category_groups) and how admins shape them. */
export class CategoriesService {
  constructor(private readonly deps: { db: Kysely<DB>; hooks: Hooks; bus: EventBus }) {}

  /** What the viewer may see, with their own permission; staff also get every grant. */
  async list(viewer: Viewer) {
    const rows = await repo.listVisibleCategories(this.deps.db, viewer);
    const grants = isStaff(viewer) ? await repo.permissionsOf(this.deps.db, rows.map((c) => c.id)) : [];
    return rows.map(({ permission, ...c }) => ({
      ...c,
      permission: permission ? NAMES[permission] : null,
      ...(isStaff(viewer) ? { permissions: grants.filter((g) => g.category_id === c.id).map((g) => ({ group: g.name, permission: NAMES[g.permission] })) } : {}),
    }));
  }

  async create(input: CategoryInput & { name: string }): Promise<Category> {
    return inTransaction(this.deps, async ({ trx }) => {
      const grants = await resolveGrants(trx, input.permissions ?? []);
      const { permissions: _p, emailIn, ...fields } = input;
      await checkEmailIn(trx, emailIn, null);
      const category = await repo.insertCategory(trx, { ...fields, ...(emailIn !== undefined ? { email_in: emailIn } : {}), name: checkName(input.name), slug: await uniqueSlug(trx, input.name, null) });
      await repo.setPermissions(trx, category.id, grants);
      return category;
    });
  }

  async update(id: number, input: CategoryInput): Promise<Category> {
    return inTransaction(this.deps, async ({ trx }) => {
      const existing = await repo.findCategory(trx, id);
      if (!existing) throw notFound('That category');
      const { permissions, emailIn, ...rest } = input;
      if (Object.keys(input).length === 0) throw badInput('Send at least one category field to change.');
      await checkEmailIn(trx, emailIn, id);
      const fields = { ...rest, ...(emailIn !== undefined ? { email_in: emailIn } : {}) };
      if (permissions) {
        await repo.setPermissions(trx, id, await resolveGrants(trx, permissions));
        await signalVisibilityChanged(this.deps.bus, {}, trx);
      }
      if (fields.name !== undefined) checkName(fields.name);
      return Object.keys(fields).length ? repo.updateCategory(trx, id, fields) : existing;
    });
  }

  /** Refuses while topics remain: they would fall out of the category and become visible to everyone. */
  async delete(id: number): Promise<void> {
    await inTransaction(this.deps, async ({ trx }) => {
      if (!(await repo.findCategory(trx, id))) throw notFound('That category');
      const topics = await repo.topicCount(trx, id);
      if (topics > 0) throw parleyError('CONFLICT', `This category still holds ${topics} topic${topics === 1 ? '' : 's'}; move or delete them first.`);
      await repo.deleteCategory(trx, id);
    });
  }
}

/** One category per incoming address, and never one of a group's or Parley's own (checked by the unique index too). */
async function checkEmailIn(db: Kysely<DB>, emailIn: string | null | undefined, exceptId: number | null): Promise<void> {
  if (!emailIn) return;
  const taken = await db.selectFrom('categories').select(['id', 'name']).where((eb) => eb(eb.fn('lower', ['email_in']), '=', emailIn.toLowerCase()))
    .$if(exceptId !== null, (q) => q.where('id', '!=', exceptId!)).executeTakeFirst();
  if (taken) throw parleyError('CONFLICT', `${emailIn} already belongs to the category ${taken.name}.`, { details: { field: 'email_in' } });
}

function checkName(name: string): string {
  if (!name.trim()) throw badInput('Give the category a name.', { field: 'name' });
  return name.trim();
}

async function resolveGrants(db: Kysely<DB>, grants: CategoryGrant[]) {
  const groups = await repo.groupIdsByName(db, grants.map((g) => g.group));
  const missing = grants.filter((g) => !groups.some((x) => x.name_lower === g.group.toLowerCase())).map((g) => g.group);
  if (missing.length) throw badInput(`No group is called ${missing.join(', ')}; create it first or check the spelling.`, { field: 'permissions' });
  const byGroup = new Map<number, CategoryPermission>();
  for (const g of grants) {
    const id = groups.find((x) => x.name_lower === g.group.toLowerCase())!.id;
    byGroup.set(id, Math.min(byGroup.get(id) ?? 3, Permission[g.permission]) as CategoryPermission);
  }
  return [...byGroup].map(([groupId, permission]) => ({ groupId, permission }));
}

/** "Help & Support" → "help-support", then "-2", "-3"… until free. */
export async function uniqueSlug(db: Kysely<DB>, name: string, exceptId: number | null): Promise<string> {
  const base = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'category';
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await repo.slugTaken(db, slug, exceptId))) return slug;
  }
}
