import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { destroyUserSessions } from '../auth/sessions.ts';
import { signalVisibilityChanged } from '../realtime/live-hub.ts';
import type { Core } from '../core.ts';
import type { DB } from '../db/schema.ts';
import { badInput, notFound } from '../errors.ts';
import { requireAdmin } from '../http/viewer.ts';
import { escapeLike } from './users.repo.ts';
import type { UserUpdate } from './users.table.ts';

const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const PAGE = 50;

/** Admin: every account (staged ones badged), roles, suspension and activation. */
export async function adminUserRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['admin'];

  r.get('/api/admin/users', {
    schema: { tags, summary: 'All accounts, newest first, 50 a page; staged = email-only', querystring: Type.Object({ term: Type.Optional(Type.String({ maxLength: 60 })), page: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) }) },
  }, async (req) => { requireAdmin(req); return { users: await listUsers(core.db, req.query.term ?? '', req.query.page ?? 0) }; });

  r.put('/api/admin/users/:id/roles', {
    schema: { tags, summary: 'Grant or revoke admin and moderator', params: Id, body: Type.Object({ admin: Type.Optional(Type.Boolean()), moderator: Type.Optional(Type.Boolean()) }) },
  }, async (req) => {
    const me = requireAdmin(req);
    if (req.body.admin === undefined && req.body.moderator === undefined) throw badInput('Send admin and/or moderator as true or false.');
    if (req.params.id === me.id && req.body.admin === false) throw badInput('You cannot revoke your own admin rights; ask another admin.');
    return { user: await updateUser(core.db, req.params.id, req.body) };
  });

  r.put('/api/admin/users/:id/suspend', {
    schema: { tags, summary: 'Suspend until a date, with a reason the person will see; signs them out everywhere', params: Id,
      body: Type.Object({ until: Type.String({ format: 'date-time' }), reason: Type.String({ minLength: 1, maxLength: 500 }) }) },
  }, async (req) => {
    const me = requireAdmin(req);
    const until = new Date(req.body.until);
    if (until <= core.clock()) throw badInput('"until" must be in the future.', { field: 'until' });
    if (req.params.id === me.id) throw badInput('You cannot suspend yourself.');
    const user = await updateUser(core.db, req.params.id, { suspended_until: until, suspended_reason: req.body.reason.trim() });
    await destroyUserSessions(core.db, user.id);
    await signalVisibilityChanged(core.bus, { userIds: [user.id] }); // closes their open live connections
    return { user };
  });

  r.put('/api/admin/users/:id/unsuspend', { schema: { tags, summary: 'Lift a suspension', params: Id } },
    async (req) => { requireAdmin(req); return { user: await updateUser(core.db, req.params.id, { suspended_until: null, suspended_reason: null }) }; });

  r.put('/api/admin/users/:id/activate', { schema: { tags, summary: 'Activate an account (not a staged one: they must sign up)', params: Id } }, async (req) => {
    requireAdmin(req);
    const target = await core.db.selectFrom('users').select('staged').where('id', '=', req.params.id).executeTakeFirst();
    if (target?.staged) throw badInput('This account has only written by email; it becomes active when the person signs up.');
    return { user: await updateUser(core.db, req.params.id, { active: true }) };
  });
}

const ADMIN_FIELDS = ['users.id', 'users.username', 'users.name', 'users.admin', 'users.moderator', 'users.active', 'users.staged',
  'users.suspended_until', 'users.suspended_reason', 'users.created_at', 'users.last_seen_at'] as const;

function listUsers(db: Kysely<DB>, term: string, page: number) {
  const like = `%${escapeLike(term.trim().toLowerCase())}%`;
  return db.selectFrom('users').leftJoin('user_emails', (j) => j.onRef('user_emails.user_id', '=', 'users.id').on('user_emails.is_primary', '=', true))
    .select([...ADMIN_FIELDS, 'user_emails.email'])
    .$if(term.trim() !== '', (q) => q.where((eb) => eb.or([eb('users.username_lower', 'like', like), eb('user_emails.email_lower', 'like', like)])))
    .orderBy('users.id', 'desc').limit(PAGE).offset(page * PAGE).execute();
}

async function updateUser(db: Kysely<DB>, id: number, values: UserUpdate) {
  const user = await db.updateTable('users').set({ ...values, updated_at: new Date() }).where('id', '=', id)
    .returning([...ADMIN_FIELDS.map((f) => f.slice(6) as 'id')]).executeTakeFirst();
  if (!user) throw notFound('That user');
  return user;
}
