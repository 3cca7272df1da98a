import type { Kysely } from 'kysely';
import { destroyOtherSessions } from '../auth/sessions.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { inTransaction } from '../db/unit-of-work.ts';
import type { DB } from '../db/schema.ts';
import { badInput, parleyError } from '../errors.ts';
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
  async create(input: NewAccount, source: ProvisionSource): Promise<User> {
    validateAccount(input);
    return inTransaction(this.deps, async ({ trx, emit }) => {
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

  async viewerFor(user: User): Promise<Viewer & { id: number }> {
    return viewerFromUser(user, await repo.groupIdsOf(this.deps.db, user.id));
  }
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
