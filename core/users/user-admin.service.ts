import type { Kysely } from 'kysely';
import { destroyUserSessions } from '../auth/sessions.ts';
import type { DB } from '../db/schema.ts';
import { badInput, notFound } from '../errors.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { signalVisibilityChanged } from '../realtime/live-hub.ts';
import { escapeLike } from './users.repo.ts';
import type { UserUpdate } from './users.table.ts';

export const ADMIN_USERS_PAGE = 50;

const ADMIN_FIELDS = ['users.id', 'users.username', 'users.name', 'users.admin', 'users.moderator', 'users.active', 'users.staged',
  'users.suspended_until', 'users.suspended_reason', 'users.created_at', 'users.last_seen_at'] as const;

export type Role = 'admin' | 'moderator';

/**
 * What admins do to accounts, with its rules in one place for the JSON API and the admin pages:
 * roles, suspension (which signs the person out everywhere and closes their live connections),
 * and activation (never of a staged account: that happens when the person signs up).
 */
export class UserAdminService {
  constructor(private readonly deps: { db: Kysely<DB>; bus: EventBus; now: () => Date }) {}

  /** Newest first, 50 a page; the term matches a username or primary email. */
  list(term: string, page: number) {
    const like = `%${escapeLike(term.trim().toLowerCase())}%`;
    return this.withEmail().$if(term.trim() !== '', (q) => q.where((eb) => eb.or([eb('users.username_lower', 'like', like), eb('user_emails.email_lower', 'like', like)])))
      .orderBy('users.id', 'desc').limit(ADMIN_USERS_PAGE).offset(page * ADMIN_USERS_PAGE).execute();
  }

  async find(id: number) {
    const user = await this.withEmail().where('users.id', '=', id).executeTakeFirst();
    if (!user) throw notFound('That user');
    return user;
  }

  async setRole(actorId: number, id: number, role: Role, grant: boolean) {
    if (role === 'admin' && !grant && id === actorId) throw badInput('You cannot revoke your own admin rights; ask another admin.');
    return this.update(id, { [role]: grant });
  }

  async suspend(actorId: number, id: number, until: Date, reason: string) {
    if (Number.isNaN(until.getTime())) throw badInput('Pick the date the suspension ends.', { field: 'until' });
    if (until <= this.deps.now()) throw badInput('The suspension must end in the future.', { field: 'until' });
    if (!reason.trim() || reason.length > 500) throw badInput('Give a reason (up to 500 characters); the person will see it.', { field: 'reason' });
    if (id === actorId) throw badInput('You cannot suspend yourself.');
    const user = await this.update(id, { suspended_until: until, suspended_reason: reason.trim() });
    await destroyUserSessions(this.deps.db, this.deps.bus, user.id);
    return user;
  }

  unsuspend(id: number) {
    return this.update(id, { suspended_until: null, suspended_reason: null });
  }

  async activate(id: number) {
    const target = await this.find(id);
    if (target.staged) throw badInput('This account has only written by email; it becomes active when the person signs up.');
    return this.update(id, { active: true });
  }

  private withEmail() {
    return this.deps.db.selectFrom('users')
      .leftJoin('user_emails', (j) => j.onRef('user_emails.user_id', '=', 'users.id').on('user_emails.is_primary', '=', true))
      .select([...ADMIN_FIELDS, 'user_emails.email']);
  }

  /** Every change here alters who the person is (roles, suspension, activation): every process hears of it. */
  private async update(id: number, values: UserUpdate) {
    const user = await this.deps.db.updateTable('users').set({ ...values, updated_at: this.deps.now() }).where('id', '=', id)
      .returning(ADMIN_FIELDS.map((f) => f.slice('users.'.length) as 'id')).executeTakeFirst();
    if (!user) throw notFound('That user');
    await signalVisibilityChanged(this.deps.bus, { userIds: [user.id] });
    return user as unknown as Awaited<ReturnType<UserAdminService['find']>>;
  }
}
