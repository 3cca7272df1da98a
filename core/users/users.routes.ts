import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import type { Core } from '../core.ts';
import { badInput, notFound } from '../errors.ts';
import { requireUser } from '../http/viewer.ts';
import { isStaff } from '../permissions/viewer.ts';
import { findUserByUsername, searchUsers } from './users.repo.ts';

const PREFERENCES = ['email_messages', 'email_replies', 'email_mentions', 'email_digests', 'auto_track_on_reply'] as const;
const Preferences = Type.Object({
  email_messages: Type.Optional(Type.Boolean()),
  email_replies: Type.Optional(Type.Boolean()),
  email_mentions: Type.Optional(Type.Boolean()),
  email_digests: Type.Optional(Type.Boolean()),
  auto_track_on_reply: Type.Optional(Type.Boolean()),
});

/** Public profiles, user search for autocomplete, and your own preferences. */
export async function userRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['users'];

  r.get('/api/users', {
    schema: { tags, summary: 'Find people by the start of their username or name (never email-only accounts)', querystring: Type.Object({ term: Type.String({ minLength: 1, maxLength: 60 }) }) },
  }, async (req) => ({ users: await searchUsers(core.db, req.query.term.trim(), 20) }));

  r.get('/api/users/me/preferences', { schema: { tags, summary: 'Your email and tracking preferences' } },
    async (req) => ({ preferences: await preferencesOf(core, requireUser(req).id) }));

  r.put('/api/users/me/preferences', { schema: { tags, summary: 'Change your email and tracking preferences', body: Preferences } }, async (req) => {
    const viewer = requireUser(req);
    const changes = Object.fromEntries(Object.entries(req.body).filter(([k, v]) => (PREFERENCES as readonly string[]).includes(k) && typeof v === 'boolean'));
    if (Object.keys(changes).length === 0) throw badInput(`Send at least one of ${PREFERENCES.join(', ')} as true or false.`);
    await core.db.updateTable('user_options').set(changes).where('user_id', '=', viewer.id).execute();
    return { preferences: await preferencesOf(core, viewer.id) };
  });

  r.put('/api/users/me/password', {
    config: { rateLimit: { max: 10, timeWindow: 60_000 } },
    schema: { tags, summary: 'Change your password (signs out your other browsers)', body: Type.Object({ currentPassword: Type.String({ maxLength: 1000 }), newPassword: Type.String({ maxLength: 1000 }) }) },
  }, async (req, reply) => {
    const viewer = requireUser(req);
    await core.services.users.changePassword(viewer.id, req.body.currentPassword, req.body.newPassword, req.cookies[SESSION_COOKIE] ?? null);
    return reply.status(204).send();
  });

  r.get('/api/users/:username', { schema: { tags, summary: "A person's public profile", params: Type.Object({ username: Type.String({ minLength: 1, maxLength: 60 }) }) } }, async (req) => {
    const user = await findUserByUsername(core.db, req.params.username);
    // Staged accounts are people who only wrote by email: their existence is not public.
    if (!user || (user.staged && !isStaff(req.viewer))) throw notFound(`The user "${req.params.username}"`);
    const { id, username, name, admin, moderator, staged, created_at, last_seen_at } = user;
    return { user: { id, username, name, admin, moderator, created_at, last_seen_at, ...(isStaff(req.viewer) ? { staged } : {}) } };
  });
}

const preferencesOf = (core: Core, userId: number) =>
  core.db.selectFrom('user_options').select([...PREFERENCES]).where('user_id', '=', userId).executeTakeFirstOrThrow();
