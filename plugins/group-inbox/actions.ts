// Working a group inbox: Spam (out of the inbox, optionally blocking the sender in core's block
// list) and Not spam, and the bulk bar over selected rows (Archive, Move to inbox, Spam, and what
// plugins add through `inbox-bulk-actions`, such as assign's "Assign to…"). Every selected id is
// checked first: one that is not the group's, or that the viewer may not see, refuses it all.
import { escapeHtml, badInput, parleyError, ParleyError, requireUser, Type, type FastifyReply, type FastifyRequest, type PluginContext, type Viewer } from '../../core/plugin-api.ts';
import type { InboxBulkAction } from './hooks.ts';
import * as repo from './inbox.repo.ts';
import type { InboxDb } from './inbox.repo.ts';

type Ctx = PluginContext<{ quotedPosts: number }, repo.GroupInboxTables>;
type Member = Viewer & { id: number };
export type InboxGroupOf = (viewer: Viewer, name: string) => Promise<{ id: number; name: string; full_name: string }>;

/** What a bulk action did: how many of the selected messages changed, and anything worth saying besides. */
export interface BulkOutcome { action: string; label: string; done: string | null; selected: number; changed: number; note: string | null }

export const MAX_SELECTED = 100;

/** The ids of a form or API body: `topicIds[]`/`topicIds` (one or many) and the page's "select all" (`allOnPage`, comma-separated). */
export function selectedIds(body: Record<string, unknown>): number[] {
  const values = [body['topicIds[]'], body.topicIds, typeof body.allOnPage === 'string' ? body.allOnPage.split(',') : undefined].flat().filter((v) => v !== undefined && v !== '');
  const ids = values.map((v) => Number(v));
  const bad = values.find((_, i) => !Number.isInteger(ids[i]) || ids[i]! < 1);
  if (bad !== undefined) throw badInput(`"${String(bad)}" is not a message id.`, { field: 'topicIds' });
  return [...new Set(ids)];
}

const truthy = (v: unknown) => v === true || v === 'true' || v === 'on' || v === '1';

/** The bulk bar of an inbox tab: its actions' names, labels and inputs. */
export type BulkBar = (viewer: Member, group: { id: number; name: string }, filter: string) => Promise<Array<{ name: string; label: string; input: InboxBulkAction['input'] | null }>>;

export function registerActions(ctx: Ctx, db: InboxDb, inboxGroup: InboxGroupOf): BulkBar {
  const lists = (groupId: number, type: string, topicIds: number[], userId: number) =>
    Promise.all(topicIds.map((topicId) => ctx.realtime.publish(`/lists/group-inbox/${groupId}`, { type, topicId, groupId, userId }, { topicId, groupIds: [groupId] })));

  /** Blocks the senders of spam, never the team's own people or Parley's own addresses: what it did, and the address blocked per message. */
  async function blockSenders(viewer: Member, group: { id: number; name: string }, topicIds: number[]) {
    const byTopic = new Map<number, string>();
    const spared: string[] = [];
    for (const sender of await repo.sendersOf(db, topicIds)) {
      if (!sender.address) continue;
      const owner = sender.userId === null ? null : await ctx.forum.users.findById(sender.userId);
      const onTeam = owner && (owner.admin || owner.moderator || await repo.isMember(db, group.id, owner.id));
      if (onTeam || await ctx.mail.isOwnAddress(sender.address)) { spared.push(`${sender.address} (${onTeam ? 'on the team' : 'one of this forum\'s addresses'})`); continue; }
      const { allowedBy } = await ctx.mail.blockSender(sender.address, `Blocked by ${viewer.username} from @${group.name}'s inbox: message ${sender.topicId} is spam.`);
      if (allowedBy) { spared.push(`${sender.address} (the allowed-senders entry ${allowedBy} still lets it through)`); continue; }
      byTopic.set(sender.topicId, sender.address);
      await repo.recordBlocked(db, group.id, sender.topicId, sender.address);
    }
    const blocked = [...new Set(byTopic.values())];
    const note = [blocked.length ? `Blocked ${blocked.join(', ')}: their next mail is refused.` : '', spared.length ? `Not blocked: ${spared.join('; ')}.` : ''].filter(Boolean).join(' ');
    return { note, byTopic };
  }

  async function markSpam(viewer: Member, group: { id: number; name: string }, topicIds: number[], block: boolean) {
    const marked = new Set(await repo.markSpam(db, group.id, topicIds, viewer.id));
    const { note, byTopic } = block ? await blockSenders(viewer, group, topicIds) : { note: '', byTopic: new Map<number, string>() };
    for (const topicId of topicIds) {
      const blocked = byTopic.get(topicId);
      const text = marked.has(topicId) ? `marked this message as spam${blocked ? ` and blocked its sender (${blocked})` : ''}` : blocked ? `blocked the sender of this message (${blocked})` : null;
      if (text) await ctx.forum.posts.addSmallAction(viewer, topicId, { actionCode: 'group_inbox.spam', text, staffOnly: true });
    }
    await lists(group.id, 'spam', [...marked], viewer.id);
    return { changed: marked.size, note: note || undefined };
  }

  async function notSpam(viewer: Member, group: { id: number }, topicIds: number[]) {
    const restored = await repo.unmarkSpam(db, group.id, topicIds);
    for (const topicId of restored) await ctx.forum.posts.addSmallAction(viewer, topicId, { actionCode: 'group_inbox.not_spam', text: 'marked this message as not spam', staffOnly: true });
    await lists(group.id, 'not-spam', restored, viewer.id);
    return restored.length;
  }

  // The group inbox's own actions, ahead of any a plugin adds.
  ctx.hooks.onFilter('inbox-bulk-actions', (actions, { viewer, group }) => {
    const own: InboxBulkAction[] = [
      { name: 'archive', label: 'Archive', done: 'archived', shownIn: ['inbox', 'new', 'unread'], perform: async (ids) => {
        const changed = await repo.archive(db, group.id, ids, viewer.id);
        await lists(group.id, 'archived', ids, viewer.id);
        return changed;
      } },
      { name: 'unarchive', label: 'Move to inbox', done: 'moved to the inbox', shownIn: ['archive'], perform: async (ids) => {
        const changed = await repo.unarchiveMany(db, group.id, ids);
        await lists(group.id, 'unarchived', ids, viewer.id);
        return changed;
      } },
      { name: 'spam', label: 'Spam', done: 'marked as spam', shownIn: ['inbox', 'new', 'unread', 'archive'], input: { name: 'block', label: 'and block the senders', kind: 'checkbox' },
        perform: (ids, input) => markSpam(viewer, group, ids, truthy(input.block)) },
      { name: 'not-spam', label: 'Not spam', done: 'back in the inbox', shownIn: ['spam'], perform: (ids) => notSpam(viewer, group, ids) },
    ];
    return [...own, ...actions];
  }, { priority: 0 });

  /** The bulk bar of a tab, for the page. */
  async function barFor(viewer: Member, group: { id: number; name: string }, filter: string) {
    const actions = await ctx.hooks.filter('inbox-bulk-actions', [], { viewer, group });
    return actions.filter((a) => !a.shownIn || a.shownIn.includes(filter)).map(({ name, label, input }) => ({ name, label, input: input ?? null }));
  }

  /**
   * Runs one action on the selected messages, after checking every id: each must be the group's
   * and visible to the viewer, or nothing happens.
   */
  async function runBulk(viewer: Member, group: { id: number; name: string }, body: Record<string, unknown>): Promise<BulkOutcome> {
    const actions = await ctx.hooks.filter('inbox-bulk-actions', [], { viewer, group });
    // Enter in an action's text field ("Assign to…") submits the form without a button: that action.
    const name = typeof body.action === 'string' && body.action ? body.action
      : actions.find((a) => a.input?.kind === 'text' && typeof body[a.input.name] === 'string' && String(body[a.input.name]).trim())?.name;
    const action = actions.find((a) => a.name === name);
    if (!action) throw badInput(`${name ? `"${name}" is not an action of this inbox. ` : ''}Choose one of: ${actions.map((a) => a.label).join(', ')}.`, { field: 'action' });
    const ids = selectedIds(body);
    if (ids.length === 0) throw badInput('Select at least one message first.', { field: 'topicIds' });
    if (ids.length > MAX_SELECTED) throw badInput(`At most ${MAX_SELECTED} messages at a time.`, { field: 'topicIds' });
    const ours = await repo.groupMessageIds(db, group.id, ids);
    const visible = await ctx.guardian.visibleTopicIds(ctx.db as never, viewer, [...ours]);
    const refused = ids.filter((id) => !visible.has(id));
    if (refused.length) throw parleyError('NOT_FOUND', `${refused.length === 1 ? `Message ${refused[0]} is` : `Messages ${refused.join(', ')} are`} not among @${group.name}'s messages that you can see; nothing was changed.`, { details: { refused } });
    const done = await action.perform(ids, body);
    const outcome = typeof done === 'number' ? { changed: done } : done;
    return { action: action.name, label: action.label, done: action.done ?? null, selected: ids.length, changed: outcome.changed, note: outcome.note ?? null };
  }

  const summary = (o: BulkOutcome) => {
    const what = o.done ?? `changed (${o.label})`;
    const count = (n: number) => `${n} ${n === 1 ? 'message' : 'messages'}`;
    return `${count(o.changed)} ${what}${o.changed < o.selected ? ` (of ${o.selected} selected; the others already were)` : ''}.${o.note ? ` ${o.note}` : ''}`;
  };

  const back = (req: FastifyRequest, group: { name: string }) => {
    const to = (req.body as { back?: unknown } | undefined)?.back;
    return typeof to === 'string' && /^\/(g|t)\//.test(to) ? to : `/g/${encodeURIComponent(group.name)}/messages`;
  };

  /** A form post: the outcome (or what to fix) as a notice on the page it came from. */
  async function formAction(req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply, body: Record<string, unknown>) {
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    try {
      ctx.web.flash(reply, 'notice', summary(await runBulk(viewer, group, body)));
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode >= 500) throw err;
      ctx.web.flash(reply, 'error', err.message);
    }
    return reply.redirect(back(req, group), 303);
  }

  ctx.http.post<{ Params: { name: string }; Body: Record<string, unknown> }>('/g/:name/messages/bulk', { schema: { hide: true } }, (req, reply) => formAction(req, reply, req.body ?? {}));
  ctx.http.post<{ Params: { name: string; topicId: string }; Body: Record<string, unknown> }>('/g/:name/messages/:topicId/spam', { schema: { hide: true } },
    (req, reply) => formAction(req, reply, { block: req.body?.block, action: 'spam', topicIds: req.params.topicId }));
  ctx.http.post<{ Params: { name: string; topicId: string }; Body: Record<string, unknown> }>('/g/:name/messages/:topicId/not-spam', { schema: { hide: true } },
    (req, reply) => formAction(req, reply, { action: 'not-spam', topicIds: req.params.topicId }));

  const tags = ['group-inbox'];
  ctx.http.post<{ Params: { name: string }; Body: { action: string; topicIds: number[] } & Record<string, unknown> }>('/api/group-inbox/:name/bulk', {
    schema: { tags, summary: 'Do one action to selected messages of the group (archive, unarchive, spam, not-spam, or a plugin\'s such as assign); every id must be the group\'s and visible to you, or nothing changes',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }) }),
      body: Type.Object({
        action: Type.String({ minLength: 1, maxLength: 40 }),
        topicIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: MAX_SELECTED }),
        block: Type.Optional(Type.Boolean({ description: 'With spam: also block the senders\' addresses' })),
        assignTo: Type.Optional(Type.String({ maxLength: 61, description: 'With the assign plugin\'s assign: a username or @group' })),
      }, { additionalProperties: true, description: 'Further fields are the inputs of plugins\' actions' }) },
  }, async (req) => {
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    return runBulk(viewer, group, req.body);
  });

  // A message in a group's Spam makes no noise: that group's members hear nothing of its new posts
  // (a member who took part in it still does). It stays in Spam when its sender writes again.
  ctx.hooks.onFilter('notification-dispatch', async (planned, { topic, trx }) => {
    if (planned.length === 0 || topic.archetype !== 'private_message') return planned;
    const within = trx as unknown as InboxDb;
    const groups = (await within.selectFrom('group_inbox_spam').select('group_id').where('topic_id', '=', topic.id).execute()).map((r) => r.group_id);
    if (groups.length === 0) return planned;
    const ids = planned.map((d) => d.userId);
    const members = new Set((await within.selectFrom('group_users').select('user_id').where('group_id', 'in', groups).where('user_id', 'in', ids).execute()).map((r) => r.user_id));
    const takingPart = new Set((await within.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', topic.id).where('user_id', 'in', ids).execute()).map((r) => r.user_id));
    return planned.filter((d) => !members.has(d.userId) || takingPart.has(d.userId));
  });

  registerTopicCard(ctx, db);
  return barFor;
}

/** On a group message's page, for its team: which inbox it is in, and Spam or Not spam. */
function registerTopicCard(ctx: Ctx, db: InboxDb): void {
  ctx.hooks.onFilter('page-data', async (data, { view, viewer }) => {
    const topic = data.topic as { id?: number; archetype?: string } | undefined;
    if (view !== 'topic' || !topic?.id || topic.archetype !== 'private_message' || viewer.id === null) return data;
    const groupIds = (await repo.inboxGroupsOfTopic(db, topic.id)).filter((g) => viewer.admin || viewer.groupIds.includes(g));
    if (groupIds.length === 0) return data;
    const settings = (await repo.settingsOf(db, groupIds[0]!))!;
    const spam = await repo.spamMark(db, settings.groupId, topic.id);
    return { ...data, groupInbox: { topicId: topic.id, groupName: settings.groupName, spam: spam !== null, blocked: spam?.blockedAddress ?? null } };
  });

  ctx.web.outlet('topic-sidebar', (data) => {
    const inbox = data.groupInbox as { topicId: number; groupName: string; spam: boolean; blocked: string | null } | undefined;
    if (!inbox) return '';
    const base = `/g/${encodeURIComponent(inbox.groupName)}/messages`;
    const csrf = `<input type="hidden" name="_csrf" value="${escapeHtml(data.csrf)}"><input type="hidden" name="back" value="/t/x/${inbox.topicId}">`;
    const form = inbox.spam
      ? `<p class="muted">Marked as spam${inbox.blocked ? `; ${escapeHtml(inbox.blocked)} is blocked` : ''}.</p><form method="post" action="${base}/${inbox.topicId}/not-spam">${csrf}<button type="submit" data-not-spam>Not spam</button></form>`
      : `<form method="post" action="${base}/${inbox.topicId}/spam" class="stack">${csrf}<label class="checkbox"><input type="checkbox" name="block" value="true"> Also block the sender</label><button type="submit" data-spam>Spam</button></form>`;
    return `<section class="card pad" data-group-inbox-card aria-label="Group inbox"><h2>In <a href="${base}">@${escapeHtml(inbox.groupName)}'s inbox</a></h2>${form}</section>`;
  });
}
