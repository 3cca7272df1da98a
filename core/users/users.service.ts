import type { Kysely } from 'kysely';
import { destroyOtherSessions } from '../auth/sessions.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { inTransaction, inTransactionWithin } from '../db/unit-of-work.ts';
import { signalVisibilityChanged } from '../realtime/live-hub.ts';
import type { DB } from '../db/schema.ts';
import { badInput, notFound, parleyError } from '../errors.ts';
import type { ProvisionSource } from '../hooks/hook-types.ts';
import type { Hooks } from '../hooks/hooks.ts';
import { viewerFromUser, type Viewer } from '../permissions/viewer.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import * as repo from './users.repo.ts';
import type { User } from './users.table.ts';

export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9]$/;
export const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
export const MIN_PASSWORD = 10;

export interface NewAccount {
  username: string;
  email: string;
  password?: string | null;
  name?: string;
  admin?: boolean;
  moderator?: boolean;
  active?: boolean;
  staged?: boolean;
}

export class UsersService {
  constructor(private readonly deps: { db: Kysely<DB>; hooks: Hooks; bus: EventBus; config: Pick<Config, 'passwordScryptN'> }) {}

  /** Creates an account with its primary email; announces it through `user-provisioned`. */
  async create(input: NewAccount, source: ProvisionSource, within?: Kysely<DB>): Promise<User> {
    validateAccount(input);
    return inTransactionWithin(this.deps, within, async ({ trx, emit }) => {
      if (await repo.usernameTaken(trx, input.username)) throw parleyError('CONFLICT', `The username "${input.username}" is taken; pick another.`);
      if (await repo.findUserByEmail(trx, input.email)) throw parleyError('CONFLICT', `An account already uses ${input.email}; log in instead, or reset its password.`);
      const user = await repo.insertUser(trx, {
        username: input.username, username_lower: input.username.toLowerCase(), name: input.name ?? '',
        password_hash: input.password ? await hashPassword(input.password, this.deps.config.passwordScryptN) : null,
        active: input.active ?? !input.staged, staged: input.staged ?? false,
        admin: input.admin ?? false, moderator: input.moderator ?? false,
        suspended_until: null, suspended_reason: null, last_seen_at: null,
      });
      await repo.insertUserEmail(trx, user.id, input.email, true);
      await trx.insertInto('user_options').values({ user_id: user.id }).execute();
      emit('user-provisioned', { user, source, email: input.email });
      return user;
    });
  }

  /** Signup: a plugin may take it over (`signup`: a staged address is claimed by email); otherwise the account is created, active. */
  async signUp(input: { username: string; email: string; password: string; name?: string }, next: string | null): Promise<{ user: User } | { pending: string }> {
    const takeover = await this.deps.hooks.filter('signup', null, { username: input.username.trim(), name: (input.name ?? '').trim(), email: input.email.trim(), password: input.password, next });
    if (takeover) return { pending: takeover.message };
    return { user: await this.create({ ...input, active: true }, 'signup') };
  }

  /** The user for a username-or-email and password, or a 401 that does not say which was wrong. */
  async authenticate(login: string, password: string): Promise<User> {
    const user = await repo.findUserByLogin(this.deps.db, login.trim());
    const ok = await verifyPassword(password, user?.password_hash ?? null, this.deps.config.passwordScryptN);
    if (!user || !ok) throw parleyError('UNAUTHENTICATED', 'That username or password is not right.');
    ensureCanLogIn(user);
    return user;
  }

  async setPassword(userId: number, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD) throw badInput(`Passwords need at least ${MIN_PASSWORD} characters.`);
    await this.deps.db.updateTable('users').set({ password_hash: await hashPassword(password, this.deps.config.passwordScryptN), updated_at: new Date() }).where('id', '=', userId).execute();
  }

  /**
   * A person changes their own password: the current one proves it is them, and every other
   * browser signed in as them is signed out (the one they are using, `keepSession`, stays).
   */
  async changePassword(userId: number, current: string, next: string, keepSession: string | null): Promise<void> {
    const row = await this.deps.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
    if (!(await verifyPassword(current, row?.password_hash ?? null, this.deps.config.passwordScryptN))) {
      throw badInput('Your current password is not right.', { field: 'currentPassword' });
    }
    if (next === current) throw badInput('Choose a new password that differs from the current one.', { field: 'newPassword' });
    await this.setPassword(userId, next);
    await destroyOtherSessions(this.deps.db, this.deps.bus, userId, keepSession);
  }

  /** What the user may see, as the guardian asks it; `db` is a transaction that may hold changes not yet committed. */
  async viewerFor(user: User, db: Kysely<DB> = this.deps.db): Promise<Viewer & { id: number }> {
    return viewerFromUser(user, await repo.groupIdsOf(db, user.id));
  }

  /**
   * A staged account becomes a real one in place, keeping its id and so every message it wrote:
   * the person's chosen username, name and password (already hashed, as confirmed by email).
   * Announced through `user-provisioned` with source 'signup'.
   */
  async activateStaged(userId: number, input: { username: string; name: string; passwordHash: string }): Promise<User> {
    if (!USERNAME.test(input.username)) {
      throw badInput('Usernames are 3 to 40 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit.', { field: 'username' });
    }
    return inTransaction(this.deps, async ({ trx, emit }) => {
      const taken = await trx.selectFrom('users').select('id').where('username_lower', '=', input.username.toLowerCase()).where('id', '!=', userId).executeTakeFirst();
      if (taken) throw parleyError('CONFLICT', `The username "${input.username}" is taken; pick another.`);
      const user = await trx.updateTable('users').set({
        username: input.username, username_lower: input.username.toLowerCase(), name: input.name, password_hash: input.passwordHash, staged: false, active: true,
      }).where('id', '=', userId).where('staged', '=', true).returningAll().executeTakeFirst();
      if (!user) throw parleyError('CONFLICT', 'This account has been activated already; log in instead.');
      await signalVisibilityChanged(this.deps.bus, { userIds: [userId] }, trx);
      emit('user-provisioned', { user, source: 'signup', email: await repo.primaryEmail(trx, userId) });
      return user;
    });
  }

  /**
   * Gives the user a secondary address: mail from it is theirs from then on (core's sender and
   * participant lookups, and every plugin that asks `findByEmail`, go by all of a user's
   * addresses). The address is checked and kept as written, matched lower-cased; one that already
   * belongs to anyone (this user included) is refused with a 409 naming its owner. Inside a
   * hook's transaction pass it as `db`. Returns the address as stored.
   */
  async addEmail(userId: number, email: string, db?: Kysely<DB>): Promise<string> {
    const address = email.trim();
    if (!EMAIL.test(address) || address.length > 254) throw badInput(`"${email}" is not an email address.`, { field: 'email' });
    return inTransactionWithin(this.deps, db, async ({ trx }) => {
      if (!(await repo.findUserById(trx, userId))) throw notFound('That user');
      const owner = await repo.findUserByEmail(trx, address);
      const inserted = owner ? undefined : await trx.insertInto('user_emails')
        .values({ user_id: userId, email: address, email_lower: address.toLowerCase(), is_primary: false })
        .onConflict((oc) => oc.column('email_lower').doNothing()).returning('id').executeTakeFirst();
      if (!inserted) {
        const holder = owner ?? await repo.findUserByEmail(trx, address);
        throw parleyError('CONFLICT', holder?.id === userId ? `${address} is already one of @${holder.username}'s addresses.`
          : `${address} already belongs to ${holder ? `@${holder.username}` : 'another account'}.`, { details: { field: 'email', userId: holder?.id ?? null } });
      }
      // Who the person is changed: every process's caches of them (sessions, live connections) reload.
      await signalVisibilityChanged(this.deps.bus, { userIds: [userId] }, trx);
      return address;
    });
  }

  /** Hashes a password as accounts store it (for a sign-up that waits for its confirmation). */
  hashPassword(password: string): Promise<string> {
    if (password.length < MIN_PASSWORD) throw badInput(`Passwords need at least ${MIN_PASSWORD} characters.`, { field: 'password' });
    return hashPassword(password, this.deps.config.passwordScryptN);
  }

  /** Removes staged accounts created before `before` that never wrote a post; returns how many. */
  async deleteUnusedStaged(before: Date, limit = 1000): Promise<number> {
    const result = await this.deps.db.deleteFrom('users').where('id', 'in', (eb) => eb.selectFrom('users as u').select('u.id')
      .where('u.staged', '=', true).where('u.created_at', '<', before)
      .where((w) => w.not(w.exists(w.selectFrom('posts').select('posts.id').whereRef('posts.user_id', '=', 'u.id'))))
      .limit(limit)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  findById(id: number, db: Kysely<DB> = this.deps.db): Promise<User | undefined> { return repo.findUserById(db, id); }

  findByUsername(username: string, db: Kysely<DB> = this.deps.db): Promise<User | undefined> { return repo.findUserByUsername(db, username); }

  /** The account that has this address, primary or secondary. */
  findByEmail(email: string, db: Kysely<DB> = this.deps.db): Promise<User | undefined> { return repo.findUserByEmail(db, email); }

  usernameTaken(username: string, db: Kysely<DB> = this.deps.db): Promise<boolean> { return repo.usernameTaken(db, username); }
}

export function ensureCanLogIn(user: User): void {
  if (user.staged) throw parleyError('FORBIDDEN', 'This address has only written to us by email so far. Sign up with it to activate the account.');
  if (!user.active) throw parleyError('FORBIDDEN', 'This account is not activated yet.');
  if (user.suspended_until && user.suspended_until > new Date()) {
    throw parleyError('FORBIDDEN', `This account is suspended until ${user.suspended_until.toISOString()}${user.suspended_reason ? `: ${user.suspended_reason}` : '.'}`);
  }
}

function validateAccount(input: NewAccount): void {
  if (!USERNAME.test(input.username)) {
    throw badInput('Usernames are 3 to 40 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit.', { field: 'username' });
  }
  if (!EMAIL.test(input.email.trim())) throw badInput(`"${input.email}" is not an email address.`, { field: 'email' });
  if (!input.staged && input.password != null && input.password.length < MIN_PASSWORD) {
    throw badInput(`Passwords need at least ${MIN_PASSWORD} characters.`, { field: 'password' });
  }
}
