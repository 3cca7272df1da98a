import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import type { Core } from '../core.ts';
import { badInput, notFound, ParleyError } from '../errors.ts';
import { updateMember } from '../groups/groups.repo.ts';
import { stoppedAddresses } from '../mail/send/stopped-addresses.ts';
import type { NotificationLevel } from '../groups/groups.table.ts';
import { isStaff } from '../permissions/viewer.ts';
import { flash, renderPage } from '../web/render.ts';
import { findUserByUsername } from './users.repo.ts';

type Form = Record<string, unknown>;

/** The email and tracking flags in `user_options`, in the words the preferences page uses. */
const FLAGS = [
  { name: 'email_messages', label: 'Email me when someone sends me a private message' },
  { name: 'email_replies', label: 'Email me when someone replies to me' },
  { name: 'email_mentions', label: 'Email me when someone mentions me' },
  { name: 'email_digests', label: 'Send me a summary of activity when I have been away' },
  { name: 'auto_track_on_reply', label: 'Track topics I reply to', hint: 'You are notified of new replies in them.' },
] as const;
type Flag = (typeof FLAGS)[number]['name'];

const LEVELS = [
  { value: 3, label: 'Watching', hint: 'a notification for every new message and reply' },
  { value: 2, label: 'Tracking', hint: 'unread counts; notified when mentioned or replied to' },
  { value: 1, label: 'Normal', hint: 'notified when mentioned or replied to' },
  { value: 0, label: 'Muted', hint: 'the group inbox stays quiet' },
];

/** Profiles, and your own preferences as a plain form. */
export async function userPages(app: FastifyInstance, core: Core): Promise<void> {
  app.get<{ Params: { username: string } }>('/u/:username', { schema: { hide: true } }, async (req, reply) => {
    const user = await findUserByUsername(core.db, req.params.username);
    // Staged accounts only ever wrote by email: to everyone but staff they do not exist.
    if (!user || (user.staged && !isStaff(req.viewer))) throw notFound(`The user "${req.params.username}"`);
    const self = req.user?.id === user.id;
    const visible = await core.services.groups.list(req.viewer);
    const memberOf = new Set((await core.db.selectFrom('group_users').select('group_id').where('user_id', '=', user.id).execute()).map((g) => g.group_id));
    return renderPage(core, req, reply, 'user', {
      title: user.name || user.username, self, staff: isStaff(req.viewer),
      profile: { username: user.username, name: user.name, admin: user.admin, moderator: user.moderator, staged: user.staged, createdAt: user.created_at, lastSeenAt: user.last_seen_at },
      groups: visible.filter((g) => memberOf.has(g.id)),
      messageHref: req.user && !self && !user.staged ? `/new-message?to=${encodeURIComponent(user.username)}` : null,
    });
  });

  app.get<{ Params: { username: string } }>('/u/:username/preferences', { schema: { hide: true } }, async (req, reply) => {
    if (!req.user) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    if (!ownPage(req)) throw notFound('That page');
    return renderPreferences(core, req, reply);
  });

  app.post<{ Params: { username: string }; Body: Form }>('/u/:username/preferences', { schema: { hide: true } }, async (req, reply) => {
    if (!ownPage(req)) throw notFound('That page');
    const userId = req.user!.id;
    try {
      const groups = await memberships(core, req);
      const levels = groups.map((g) => ({ group: g, level: parseLevel(req.body[`group:${g.name}`], g) }));
      const flags = Object.fromEntries(FLAGS.map((f) => [f.name, isOn(req.body[f.name])])) as Record<Flag, boolean>;
      await core.db.transaction().execute(async (trx) => {
        await trx.updateTable('user_options').set(flags).where('user_id', '=', userId).execute();
        for (const { group, level } of levels) if (level !== group.level) await updateMember(trx, group.id, userId, { notification_level: level });
      });
      flash(reply, 'notice', 'Saved.');
      return reply.redirect(`/u/${encodeURIComponent(req.user!.username)}/preferences`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      return renderPreferences(core, req, reply, err.message, err.statusCode);
    }
  });

  // Changing your password: errors come back on the page, a success as a notice.
  app.post<{ Params: { username: string }; Body: Record<string, string | undefined> }>('/u/:username/preferences/password', {
    schema: { hide: true }, config: { rateLimit: { max: 10, timeWindow: 60_000 } },
  }, async (req, reply) => {
    if (!ownPage(req)) throw notFound('That page');
    try {
      await core.services.users.changePassword(req.user!.id, req.body.current_password ?? '', req.body.new_password ?? '', req.cookies[SESSION_COOKIE] ?? null);
      flash(reply, 'notice', 'Password changed. Your other browsers have been signed out.');
      return reply.redirect(`/u/${encodeURIComponent(req.user!.username)}/preferences`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      return renderPreferences(core, req, reply, err.message, err.statusCode);
    }
  });
}

function ownPage(req: FastifyRequest<{ Params: { username: string } }>): boolean {
  return req.user !== null && req.user.username.toLowerCase() === req.params.username.toLowerCase();
}

/** A checkbox is on when the browser sent it (`on`), or a client sent true. */
function isOn(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value !== '' && value !== 'false' && value !== '0');
}

function parseLevel(value: unknown, group: { name: string; level: NotificationLevel }): NotificationLevel {
  if (value === undefined || value === '') return group.level;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3) throw badInput(`Pick one of the listed notification levels for ${group.name}.`, { field: `group:${group.name}` });
  return n as NotificationLevel;
}

/** The groups you belong to and can see, with your notification level in each. */
async function memberships(core: Core, req: FastifyRequest) {
  const visible = await core.services.groups.list(req.viewer);
  const rows = await core.db.selectFrom('group_users').select(['group_id', 'notification_level']).where('user_id', '=', req.user!.id).execute();
  const level = new Map(rows.map((r) => [r.group_id, r.notification_level]));
  return visible.filter((g) => level.has(g.id)).map((g) => ({ id: g.id, name: g.name, fullName: g.full_name, level: level.get(g.id)! }));
}

async function renderPreferences(core: Core, req: FastifyRequest, reply: FastifyReply, error?: string, status = 200) {
  const options = await core.db.selectFrom('user_options').select(FLAGS.map((f) => f.name)).where('user_id', '=', req.user!.id).executeTakeFirst();
  const groups = (await memberships(core, req)).map((g) => ({ ...g, levels: LEVELS.map((l) => ({ ...l, selected: l.value === g.level })) }));
  return renderPage(core, req, reply, 'preferences', {
    title: 'Preferences', narrow: true, groups, stoppedMail: await stoppedAddresses(core.db, req.user!.id),
    flags: FLAGS.map((f) => ({ ...f, on: options?.[f.name] ?? false })),
    // Only when there is one: an undefined `flash` would hide the messages pageContext carries.
    ...(error ? { flash: [{ kind: 'error', message: error }] } : {}),
  }, status);
}
