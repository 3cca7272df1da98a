import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CategoryGrant, CategoryInput, PermissionName } from '../categories/categories.service.ts';
import { Permission } from '../categories/categories.table.ts';
import type { Core } from '../core.ts';
import { badInput, notFound, type ParleyError } from '../errors.ts';
import { errorFlash, list, renderAdmin, submit, text, type Form } from './admin-page.ts';

type Params = { Params: { id: string }; Body: Form };

const LEVELS: Record<PermissionName, string> = { create: 'Create topics, reply, see', reply: 'Reply and see', see: 'See only' };
/** Blank permission rows under the existing ones, so a grant can be added without scripts. */
const BLANK_ROWS = 2;

/** Name, description, colour and position as typed in the form; checked here because the service trusts its callers. */
function categoryFields(body: Form): CategoryInput & { name: string } {
  const name = text(body.name);
  const description = text(body.description);
  const color = text(body.color).replace(/^#/, '');
  if (!name || name.length > 100) throw badInput('Give the category a name of up to 100 characters.', { field: 'name' });
  if (description.length > 2000) throw badInput('Keep the description under 2000 characters.', { field: 'description' });
  if (!/^[0-9a-fA-F]{6}$/.test(color)) throw badInput('The colour is six hexadecimal digits, like 0088cc.', { field: 'color' });
  const fields: CategoryInput & { name: string } = { name, description, color: color.toLowerCase() };
  if (body.email_in !== undefined) {
    const emailIn = text(body.email_in).toLowerCase();
    if (emailIn && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(emailIn)) throw badInput('The incoming address is an email address, like help@example.com (or empty).', { field: 'email_in' });
    fields.emailIn = emailIn || null;
  }
  if (body.position !== undefined) {
    const position = Number(text(body.position) || 0);
    if (!Number.isInteger(position) || position < 0 || position > 100_000) throw badInput('The position is a whole number from 0 to 100000; lower comes first.', { field: 'position' });
    fields.position = position;
  }
  return fields;
}

/** Rows of `perm_group[]` + `perm_level[]`; a row without a group or with no level is dropped. */
export function parsePermissions(body: Form): CategoryGrant[] {
  const groups = list(body['perm_group[]'] ?? body.perm_group);
  const levels = list(body['perm_level[]'] ?? body.perm_level);
  if (groups.length !== levels.length) throw badInput('Each permission row needs a group and a level; reload the page and try again.', { field: 'permissions' });
  const grants: CategoryGrant[] = [];
  groups.forEach((group, i) => {
    const level = levels[i].trim();
    if (!group.trim() || !level) return;
    if (!(level in Permission)) throw badInput(`Choose create, reply or see for ${group}.`, { field: 'permissions' });
    grants.push({ group: group.trim(), permission: level as PermissionName });
  });
  return grants;
}

/** Categories: the list with a create form; one page per category with its fields, permissions and delete. */
export async function adminCategoryPages(app: FastifyInstance, core: Core): Promise<void> {
  const { categories } = core.services;

  const listPage = async (req: FastifyRequest<Params>, reply: FastifyReply, error?: ParleyError) =>
    renderAdmin(core, req, reply, 'categories', 'categories', {
      title: 'Categories', categories: await categories.list(req.viewer), form: error ? req.body : { color: '#0088cc' },
      ...(error ? { flash: errorFlash(error) } : {}),
    }, error?.statusCode);

  app.get<Params>('/admin/categories', { schema: { hide: true } }, (req, reply) => listPage(req, reply));

  app.post<Params>('/admin/categories', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const category = await categories.create(categoryFields(req.body));
    return { to: `/admin/categories/${category.id}`, notice: `Category ${category.name} created. Only staff see it until you grant groups access below.` };
  }, (err) => listPage(req, reply, err)));

  app.get<Params>('/admin/categories/:id', { schema: { hide: true } }, (req, reply) => categoryPage(core, req, reply));

  app.post<Params>('/admin/categories/:id', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const category = await categories.update(categoryId(req), { ...categoryFields(req.body), permissions: parsePermissions(req.body) });
    return { to: `/admin/categories/${category.id}`, notice: `Saved ${category.name}.` };
  }, (err) => categoryPage(core, req, reply, err)));

  app.post<Params>('/admin/categories/:id/delete', { schema: { hide: true } }, async (req, reply) => submit(reply, async () => {
    const { category } = await findCategory(core, req);
    await categories.delete(category.id);
    return { to: '/admin/categories', notice: `Deleted the category ${category.name}.` };
  }, (err) => categoryPage(core, req, reply, err)));
}

const categoryId = (req: FastifyRequest<Params>) => Number(req.params.id) || 0;

async function findCategory(core: Core, req: FastifyRequest<Params>) {
  const all = await core.services.categories.list(req.viewer);
  const category = all.find((c) => c.id === categoryId(req));
  if (!category) throw notFound('That category');
  return { category, grants: category.permissions ?? [] };
}

async function categoryPage(core: Core, req: FastifyRequest<Params>, reply: FastifyReply, error?: ParleyError) {
  const { category, grants } = await findCategory(core, req);
  const resubmitted = error && req.body?.name !== undefined;
  const rows = resubmitted
    ? list(req.body['perm_group[]'] ?? req.body.perm_group).map((group, i) => ({ group, permission: list(req.body['perm_level[]'] ?? req.body.perm_level)[i] ?? '' }))
    : [...grants];
  // "everyone" is not a listed group but is the commonest grant; a granted group is always an option, or saving would drop it.
  const listed = (await core.services.groups.list(req.viewer)).map((g) => g.name);
  const groupNames = [...new Map(['everyone', ...listed, ...rows.map((r) => r.group)].filter(Boolean).map((n) => [n.toLowerCase(), n])).values()];
  const permissionRows = [...rows, ...Array.from({ length: BLANK_ROWS }, () => ({ group: '', permission: 'see' }))].map((row, i) => ({
    index: i + 1, group: row.group, permission: row.permission, isNew: i >= rows.length,
    groups: groupNames.map((name) => ({ name, selected: name.toLowerCase() === row.group.toLowerCase() })),
    levels: Object.entries(LEVELS).map(([value, label]) => ({ value, label, selected: value === row.permission })),
  }));
  const form = resubmitted ? { ...category, ...req.body, color: `#${text(req.body.color).replace(/^#/, '')}` } : { ...category, email_in: category.email_in ?? '', color: `#${category.color}` };
  return renderAdmin(core, req, reply, 'category', 'categories', {
    title: category.name, category, form, permissionRows,
    ...(error ? { flash: errorFlash(error) } : {}),
  }, error?.statusCode);
}
