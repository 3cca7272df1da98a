import { sql, type Kysely } from 'kysely';
import { destroyUserSessions } from '../auth/sessions.ts';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/unit-of-work.ts';
import { badInput, notFound } from '../errors.ts';
import type { Hooks } from '../hooks/hooks.ts';
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
  constructor(private readonly deps: { db: Kysely<DB>; hooks: Hooks; bus: EventBus; now: () => Date }) {}

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

  /**
   * A staged account turns out to be someone who already has an account (a second address of
   * theirs): everything it has moves to that account, its addresses become secondary addresses
   * there, and the staged account is removed. The person's messages, posts, read state and
   * notifications all follow; mail to either address reaches them from then on.
   *
   * The target may be signed up or staged itself (two addresses of one person who has only
   * written by email): then the result is still a staged account, now with both addresses.
   * A signed-up account is never merged into another, nor an account into itself. Plugins move
   * what they keep about the removed account in the `user-merge` filter, inside the merge's
   * transaction (with `actorId`, who merged); what they name is returned as `carried`.
   */
  async mergeStaged(stagedId: number, intoId: number, actorId: number | null = null): Promise<{ carried: string[] }> {
    if (stagedId === intoId) throw badInput('An account cannot be merged into itself.', { field: 'into' });
    const [source] = await Promise.all([this.find(stagedId), this.find(intoId)]);
    if (!source.staged) throw badInput('Only a staged account can be merged into another: a signed-up account is never merged.');
    return inTransaction(this.deps, async ({ trx }) => {
      // Read again inside the transaction: a staged account may have signed up since.
      const rows = await trx.selectFrom('users').select(['id', 'staged']).where('id', 'in', [stagedId, intoId]).forUpdate().execute();
      if (!rows.some((r) => r.id === intoId)) throw notFound('That user');
      if (!rows.find((r) => r.id === stagedId)?.staged) throw badInput('Only a staged account can be merged into another: a signed-up account is never merged.');
      // First the plugins' rows, while the account and its messages are still where they were.
      const carried = await this.deps.hooks.filter('user-merge', [], { fromId: stagedId, intoId, actorId, trx });
      const move = async (table: 'posts' | 'post_revisions' | 'uploads' | 'incoming_emails' | 'outgoing_emails', column = 'user_id') =>
        trx.updateTable(table).set({ [column]: intoId }).where(column as 'user_id', '=', stagedId).execute();
      await move('posts');
      await move('post_revisions');
      await move('uploads');
      await move('incoming_emails');
      await move('outgoing_emails');
      await trx.updateTable('topics').set({ user_id: intoId }).where('user_id', '=', stagedId).execute();
      await trx.updateTable('topics').set({ last_post_user_id: intoId }).where('last_post_user_id', '=', stagedId).execute();
      await trx.updateTable('notifications').set({ user_id: intoId }).where('user_id', '=', stagedId).execute();
      // Rows keyed by user: the target's own row wins where both have one.
      await sql`INSERT INTO topic_allowed_users (topic_id, user_id) SELECT topic_id, ${intoId} FROM topic_allowed_users WHERE user_id = ${stagedId} ON CONFLICT DO NOTHING`.execute(trx);
      await sql`INSERT INTO topic_users (user_id, topic_id, last_read_post_number, notification_level, posted, first_visited_at, last_visited_at)
        SELECT ${intoId}, topic_id, last_read_post_number, notification_level, posted, first_visited_at, last_visited_at FROM topic_users WHERE user_id = ${stagedId}
        ON CONFLICT (user_id, topic_id) DO UPDATE SET posted = topic_users.posted OR excluded.posted,
          last_read_post_number = greatest(topic_users.last_read_post_number, excluded.last_read_post_number)`.execute(trx);
      await sql`INSERT INTO upload_users (upload_id, user_id) SELECT upload_id, ${intoId} FROM upload_users WHERE user_id = ${stagedId} ON CONFLICT DO NOTHING`.execute(trx);
      await sql`UPDATE email_reply_keys k SET user_id = ${intoId} WHERE k.user_id = ${stagedId}
        AND NOT EXISTS (SELECT 1 FROM email_reply_keys o WHERE o.user_id = ${intoId} AND o.topic_id = k.topic_id)`.execute(trx);
      await trx.updateTable('user_emails').set({ user_id: intoId, is_primary: false }).where('user_id', '=', stagedId).execute();
      await trx.deleteFrom('users').where('id', '=', stagedId).execute();
      await signalVisibilityChanged(this.deps.bus, { userIds: [intoId, stagedId] }, trx);
      return { carried };
    });
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
