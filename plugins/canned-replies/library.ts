// The operations on the libraries, and who may do what: a group's members (and admins) read and
// use its library; admins and the group's owners change it; to anyone else it does not exist.
import { badInput, forbidden, notFound, parleyError, type Viewer } from '../../core/plugin-api.ts';
import * as repo from './replies.repo.ts';
import type { Ctx, Entry, GroupRow } from './replies.repo.ts';
import { fill, unknownVariables, usedVariables, variableList } from './variables.ts';

export const TITLE_MAX = 100;
export const BODY_MAX = 20_000;

type SignedIn = Viewer & { id: number };
export interface Library { group: GroupRow; canManage: boolean }

const noLibrary = () => notFound('That canned reply library');
const noReply = () => notFound('That canned reply');

/** The library of a group as the viewer may reach it, or not found (never forbidden: its titles are the team's). */
export async function libraryFor(ctx: Ctx, viewer: Viewer, group: GroupRow | null): Promise<Library> {
  if (!group || viewer.id === null) throw noLibrary();
  if (viewer.admin) return { group, canManage: true };
  if (!viewer.groupIds.includes(group.id)) throw noLibrary();
  return { group, canManage: (await repo.ownedGroupIds(ctx.db, viewer.id, [group.id])).length > 0 };
}

export const libraryNamed = async (ctx: Ctx, viewer: Viewer, name: string) => libraryFor(ctx, viewer, await repo.groupByName(ctx.db, name));

/** The libraries the viewer may use on a message: those of its groups they belong to (admins: all of its groups). */
export async function librariesForTopic(ctx: Ctx, viewer: Viewer, topicId: number): Promise<Library[]> {
  if (viewer.id === null) return [];
  await ctx.guardian.ensureCanSeeTopic(ctx.db as never, viewer, topicId);
  const ids = (await repo.topicGroupIds(ctx.db, topicId)).filter((g) => viewer.admin || viewer.groupIds.includes(g));
  return withManage(ctx, viewer, await repo.groupsByIds(ctx.db, ids));
}

async function allLibraries(ctx: Ctx, viewer: SignedIn): Promise<Library[]> {
  const ids = viewer.admin ? (await ctx.db.selectFrom('groups').select('id').where('automatic', '=', false).execute()).map((g) => g.id) : [...viewer.groupIds];
  return withManage(ctx, viewer, await repo.groupsByIds(ctx.db, ids));
}

async function withManage(ctx: Ctx, viewer: Viewer, groups: GroupRow[]): Promise<Library[]> {
  const owned = viewer.admin || viewer.id === null ? [] : await repo.ownedGroupIds(ctx.db, viewer.id, groups.map((g) => g.id));
  return groups.map((group) => ({ group, canManage: viewer.admin || owned.includes(group.id) }));
}

export interface SearchInput { q?: string; topicId?: number; group?: string; limit?: number }

/** Replies matching `q` in the libraries asked for: one group's, a message's, or every one the viewer may use. */
export async function search(ctx: Ctx, viewer: SignedIn, input: SearchInput): Promise<{ libraries: Library[]; replies: Array<Entry & { canManage: boolean }> }> {
  let libraries = input.topicId ? await librariesForTopic(ctx, viewer, input.topicId) : input.group ? [await libraryNamed(ctx, viewer, input.group)] : await allLibraries(ctx, viewer);
  if (input.topicId && input.group) {
    const wanted = await libraryNamed(ctx, viewer, input.group);
    libraries = libraries.filter((l) => l.group.id === wanted.group.id);
  }
  const manage = new Map(libraries.map((l) => [l.group.id, l.canManage]));
  const found = await repo.search(ctx.db, libraries.map((l) => l.group.id), String(input.q ?? '').slice(0, 200), Math.min(Math.max(input.limit ?? 20, 1), 100));
  return { libraries, replies: found.map((e) => ({ ...e, canManage: manage.get(e.groupId) ?? false })) };
}

/** One reply, if the viewer may read its library. */
export async function get(ctx: Ctx, viewer: Viewer, id: number): Promise<{ entry: Entry; library: Library }> {
  const entry = Number.isInteger(id) ? await repo.find(ctx.db, id) : null;
  if (!entry) throw noReply();
  const library = await libraryFor(ctx, viewer, { id: entry.groupId, name: entry.groupName, full_name: entry.groupFullName }).catch(() => { throw noReply(); });
  return { entry, library };
}

const mayManage = (library: Library) => {
  if (!library.canManage) throw forbidden(`Only admins and owners of @${library.group.name} can change its canned replies.`);
};

/** A title and body that can be saved, or an error saying what to fix. */
export function validate(input: { title?: unknown; body?: unknown }): { title: string; body: string } {
  const title = String(input.title ?? '').replace(/\s+/g, ' ').trim();
  const body = String(input.body ?? '').replace(/\r\n?/g, '\n').replace(/\s+$/, '');
  if (!title) throw badInput('Give the reply a title: it is what agents search for.', { field: 'title' });
  if (title.length > TITLE_MAX) throw badInput(`A title is at most ${TITLE_MAX} characters; this one has ${title.length}.`, { field: 'title' });
  if (!body.trim()) throw badInput('Write the reply itself: the body is empty.', { field: 'body' });
  if (body.length > BODY_MAX) throw badInput(`A reply is at most ${BODY_MAX} characters; this one has ${body.length}.`, { field: 'body' });
  const unknown = unknownVariables(body);
  if (unknown.length) {
    const known = variableList().map((v) => v.token).join(', ');
    throw badInput(`${unknown.length === 1 ? 'Unknown variable' : 'Unknown variables'} ${unknown.join(', ')}. The variables are ${known}; write a fallback as {{customer.name | there}}.`, { field: 'body', unknown });
  }
  return { title, body };
}

async function save(ctx: Ctx, library: Library, id: number | null, input: { title: string; body: string }, userId: number): Promise<number> {
  const conflict = () => parleyError('CONFLICT', `The library of @${library.group.name} already has a reply called "${input.title}"; pick another title.`, { details: { field: 'title' } });
  if (await repo.titleTaken(ctx.db, library.group.id, input.title, id)) throw conflict();
  try {
    if (id === null) return await repo.insert(ctx.db, library.group.id, input, userId);
    await repo.update(ctx.db, id, input, userId);
    return id;
  } catch (err) {
    // Two editors saving the same title at once: the unique index decides, the loser hears why.
    if ((err as { code?: string }).code === '23505') throw conflict();
    throw err;
  }
}

export async function create(ctx: Ctx, viewer: SignedIn, groupName: string, input: { title?: unknown; body?: unknown }): Promise<Entry> {
  const library = await libraryNamed(ctx, viewer, groupName);
  mayManage(library);
  const id = await save(ctx, library, null, validate(input), viewer.id);
  return (await repo.find(ctx.db, id))!;
}

/** Changes a reply's title or body (what is not given stays). */
export async function update(ctx: Ctx, viewer: SignedIn, id: number, input: { title?: unknown; body?: unknown }): Promise<Entry> {
  const { entry, library } = await get(ctx, viewer, id);
  mayManage(library);
  await save(ctx, library, id, validate({ title: input.title ?? entry.title, body: input.body ?? entry.body }), viewer.id);
  return (await repo.find(ctx.db, id))!;
}

export async function remove(ctx: Ctx, viewer: SignedIn, id: number): Promise<Entry> {
  const { entry, library } = await get(ctx, viewer, id);
  mayManage(library);
  await repo.remove(ctx.db, id);
  return entry;
}

/**
 * An agent inserts a reply: its body with the variables filled for this message (the customer,
 * the agent, the group, the link), and one more use counted.
 */
export async function use(ctx: Ctx, viewer: SignedIn, id: number, topicId: number | undefined): Promise<{ entry: Entry; library: Library; text: string }> {
  const { entry, library } = await get(ctx, viewer, id);
  let customer = null;
  let topic = null;
  if (topicId !== undefined) {
    const onMessage = await librariesForTopic(ctx, viewer, topicId);
    if (!onMessage.some((l) => l.group.id === entry.groupId)) {
      throw badInput(`"${entry.title}" is in the library of @${entry.groupName}, which is not on this message.`, { field: 'topicId' });
    }
    const link = await repo.topicLink(ctx.db, topicId);
    topic = link && { title: link.title, url: `${ctx.mail.baseUrl().replace(/\/$/, '')}/t/${link.slug}/${link.id}` };
    customer = await repo.customerOf(ctx.db, topicId);
  }
  const agent = await repo.userNames(ctx.db, viewer.id);
  const text = fill(entry.body, { customer, agent, group: { name: entry.groupName, fullName: entry.groupFullName }, topic });
  const usageCount = await repo.countUse(ctx.db, id);
  return { entry: { ...entry, usageCount }, library, text };
}

/** A reply as the JSON API shows it. */
export const entryJson = (e: Entry, canManage: boolean) => ({
  id: e.id, group: { name: e.groupName, fullName: e.groupFullName }, title: e.title, body: e.body, variables: usedVariables(e.body),
  usageCount: e.usageCount, lastUsedAt: e.lastUsedAt, updatedAt: e.updatedAt, canManage,
});
