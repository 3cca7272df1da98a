import Handlebars from 'handlebars';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Core } from '../core.ts';
import type { DB } from '../db/schema.ts';
import { ParleyError, notFound } from '../errors.ts';
import { requireUser } from '../http/viewer.ts';
import { listVisibleGroups } from '../groups/groups.repo.ts';
import { audienceAllows } from '../posts/mentions.ts';
import type { Viewer } from '../permissions/viewer.ts';
import { findUserByUsername } from '../users/users.repo.ts';
import { flash, renderPage } from '../web/render.ts';

type Q = Record<string, string | undefined>;
type Owner = { username: string; viewer: Viewer & { id: number } };

/** A user's messages (inbox, sent, one tab per group inbox) and the form that starts a new one. */
export async function messagePages(app: FastifyInstance, core: Core): Promise<void> {
  const { lists, topics } = core.services;
  const page = (q: Q) => Math.max(0, Math.min(10_000, Math.floor(Number(q.page ?? 0)) || 0));

  app.get<{ Params: { username: string }; Querystring: Q }>('/u/:username/messages', { schema: { hide: true } }, async (req, reply) => {
    const owner = await mailboxOwner(core, req, reply);
    if (!owner) return reply;
    return renderMailbox(core, req, reply, owner, 'inbox', await lists.inbox(owner.viewer, page(req.query)));
  });

  app.get<{ Params: { username: string }; Querystring: Q }>('/u/:username/messages/sent', { schema: { hide: true } }, async (req, reply) => {
    const owner = await mailboxOwner(core, req, reply);
    if (!owner) return reply;
    return renderMailbox(core, req, reply, owner, 'sent', await lists.sent(owner.viewer, page(req.query)));
  });

  app.get<{ Params: { username: string; name: string }; Querystring: Q }>('/u/:username/messages/group/:name', { schema: { hide: true } }, async (req, reply) => {
    const owner = await mailboxOwner(core, req, reply);
    if (!owner) return reply;
    const group = await core.db.selectFrom('groups').select(['id', 'name']).where('name_lower', '=', req.params.name.toLowerCase()).where('automatic', '=', false).executeTakeFirst();
    // The group inbox belongs to the group's members: anyone else learns nothing, not even that it exists.
    if (!group || !owner.viewer.groupIds.includes(group.id)) throw notFound('That group inbox');
    return renderMailbox(core, req, reply, owner, `group-${group.name}`, await lists.group(owner.viewer, group.id, page(req.query)), group.name);
  });

  app.get<{ Querystring: Q }>('/new-message', { schema: { hide: true } }, async (req, reply) => {
    if (!req.user) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    const to = [req.query.to, req.query.group ? `@${req.query.group.replace(/^@/, '')}` : undefined].filter(Boolean).join(', ');
    return renderNewMessage(core, req, reply, { recipients: to });
  });

  app.post<{ Body: Q }>('/new-message', { schema: { hide: true } }, async (req, reply) => {
    const viewer = requireUser(req);
    const form = { title: req.body.title ?? '', recipients: req.body.recipients ?? '', raw: req.body.raw ?? '' };
    try {
      const { usernames, groupNames } = parseRecipients(form.recipients);
      const { topic } = await topics.createMessage(viewer, { title: form.title, raw: form.raw, usernames, groupNames, via: 'web' });
      flash(reply, 'notice', 'Message sent.');
      return reply.redirect(`/t/${topic.slug}/${topic.id}`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      return renderNewMessage(core, req, reply, form, err.message, err.statusCode);
    }
  });
}

/** "alice, @support bob" → usernames and group names; commas or spaces separate them. */
export function parseRecipients(text: string): { usernames: string[]; groupNames: string[] } {
  const names = text.split(/[\s,;]+/).map((n) => n.trim()).filter(Boolean);
  const usernames = names.filter((n) => !n.startsWith('@'));
  const groupNames = names.filter((n) => n.startsWith('@')).map((n) => n.slice(1)).filter(Boolean);
  return { usernames: [...new Set(usernames)], groupNames: [...new Set(groupNames)] };
}

/**
 * Whose mailbox this is: the signed-in user's own, or anyone's for an admin. Everybody else gets
 * the same not-found page whether or not the user exists. Visitors are sent to log in.
 */
async function mailboxOwner(core: Core, req: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply): Promise<Owner | null> {
  if (!req.user) { await reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303); return null; }
  const self = req.user.username.toLowerCase() === req.params.username.toLowerCase();
  if (self) return { username: req.user.username, viewer: requireUser(req) };
  const user = req.viewer.admin ? await findUserByUsername(core.db, req.params.username) : undefined;
  if (!user) throw notFound('Those messages');
  return { username: user.username, viewer: await core.services.users.viewerFor(user) };
}

/** The groups a user belongs to whose inbox holds at least one message: one tab each. */
const groupInboxes = (db: Kysely<DB>, userId: number) =>
  db.selectFrom('group_users').innerJoin('groups', 'groups.id', 'group_users.group_id')
    .select(['groups.name', 'groups.full_name'])
    .where('group_users.user_id', '=', userId).where('groups.automatic', '=', false)
    .where((eb) => eb.exists(eb.selectFrom('topic_allowed_groups').innerJoin('topics', 'topics.id', 'topic_allowed_groups.topic_id')
      .select(sql`1`.as('one')).whereRef('topic_allowed_groups.group_id', '=', 'groups.id')
      .where('topics.archetype', '=', 'private_message').where('topics.deleted_at', 'is', null)))
    .orderBy('groups.name_lower').execute();

const EMPTY: Record<string, string> = {
  inbox: 'No messages yet. Messages people send you appear here.',
  sent: 'You have not sent any messages yet.',
};

async function renderMailbox(core: Core, req: FastifyRequest, reply: FastifyReply, owner: Owner, tab: string, list: object, groupName?: string) {
  const base = `/u/${encodeURIComponent(owner.username)}/messages`;
  const groups = await groupInboxes(core.db, owner.viewer.id);
  const tabs = [
    { name: 'inbox', label: 'Inbox', href: base },
    { name: 'sent', label: 'Sent', href: `${base}/sent` },
    ...groups.map((g, i) => ({ name: `group-${g.name}`, label: g.full_name || g.name, href: `${base}/group/${encodeURIComponent(g.name)}`, firstGroup: i === 0 })),
  ].map((t) => ({ ...t, current: t.name === tab }));
  const own = req.user?.id === owner.viewer.id;
  return renderPage(core, req, reply, 'messages', {
    title: own ? 'Messages' : `Messages of ${owner.username}`, nav: own ? 'messages' : undefined, own, owner: owner.username, tabs,
    groupName, newMessageHref: groupName ? `/new-message?group=${encodeURIComponent(groupName)}` : '/new-message',
    listName: `messages-${tab}`, emptyText: groupName ? `No messages to @${groupName} yet.` : EMPTY[tab], ...list,
  });
}

async function renderNewMessage(core: Core, req: FastifyRequest, reply: FastifyReply, form: Q, error?: string, status = 200) {
  const messageable = (await listVisibleGroups(core.db, req.viewer))
    .filter((g) => audienceAllows(g.messageable, req.viewer, g.id)).map((g) => g.name);
  return renderPage(core, req, reply, 'new-message', {
    title: 'New message', nav: 'messages', form, recipientsField: recipientsField(form.recipients ?? '', messageable),
    cancel: req.user ? `/u/${encodeURIComponent(req.user.username)}/messages` : '/',
    // Only when there is one: an undefined `flash` would hide the messages pageContext carries.
    ...(error ? { flash: [{ kind: 'error', message: error }] } : {}),
  }, status);
}

/** The "To" field: a plain text input, which autocomplete.js turns into a combobox when scripts run. */
function recipientsField(value: string, messageable: string[]): Handlebars.SafeString {
  const e = Handlebars.escapeExpression;
  const groups = messageable.length ? ` Groups you can write to: ${messageable.map((g) => `@${e(g)}`).join(', ')}.` : '';
  return new Handlebars.SafeString(
    `<div class="autocomplete" data-autocomplete data-groups="${e(messageable.join(','))}">` +
    `<label for="recipients">To <span class="hint" id="recipients-hint">Usernames and @groups, separated by commas.${groups}</span></label>` +
    `<input id="recipients" type="text" name="recipients" value="${e(value)}" required autocomplete="off" spellcheck="false" aria-describedby="recipients-hint" data-recipients>` +
    '</div>');
}
