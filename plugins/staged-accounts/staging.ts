// Staged accounts: an unknown sender, or an unknown Cc'd address, gets an account that exists only
// to take part in its own messages by email, until the person signs up and claims it.
import { sql, type Generated, type Kysely, type PluginContext, type User } from '../../core/plugin-api.ts';

export interface StagedTables {
  staged_accounts: { user_id: number; incoming_email_id: number | null; created_at: Generated<Date> };
  staged_claims: {
    token_hash: string; user_id: number; username: string; name: Generated<string>; password_hash: string;
    next_path: string | null; expires_at: Date; created_at: Generated<Date>;
  };
}

export interface StagedSettings { maxPerMail: number; maxPerHour: number; purgeAfterDays: number; claimHours: number }
export type Ctx = PluginContext<StagedSettings, StagedTables>;
type Db = Kysely<StagedTables>;

/**
 * A username from the address's local part, never its domain: "J.Smith+shop@example.com" →
 * "j.smith". Too short is padded, too long cut; Parley's username rules hold.
 */
export function usernameBase(address: string): string {
  const local = address.split('@')[0]!.split('+')[0]!.toLowerCase();
  let base = local.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9_.-]+/g, '_').replace(/[_.-]{2,}/g, '_').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (base.length < 3) base = base ? `${base}_user` : 'user';
  return base.slice(0, 36).replace(/[^a-z0-9]+$/, '');
}

/** A display name worth keeping: not an address, not empty, no control characters. */
export function displayName(name: string, address: string): string {
  const clean = [...name].filter((c) => c >= ' ' && c !== '\u007f').join('').replace(/^["'\s]+|["'\s]+$/g, '').trim();
  if (!clean || clean.includes('@') || clean.toLowerCase() === address.toLowerCase()) return '';
  return clean.slice(0, 100);
}

async function freeUsername(ctx: Ctx, trx: unknown, address: string): Promise<string> {
  const base = usernameBase(address);
  for (let n = 0; n < 1000; n++) {
    const candidate = n === 0 ? base : `${base}${n + 1}`;
    if (!(await ctx.forum.users.usernameTaken(candidate, trx as never))) return candidate;
  }
  return `${base.slice(0, 24)}${Date.now().toString(36)}`;
}

/** Why no staged account may be made right now, or null: the caps per mail (when made for a mail) and per hour. */
async function capReached(ctx: Ctx, db: Db, incomingEmailId: number | null, reserved: number): Promise<string | null> {
  const { maxPerMail, maxPerHour } = ctx.settings.get();
  const row = await db.selectFrom('staged_accounts').select((eb) => [
    eb.fn.countAll<string>().filterWhere('incoming_email_id', '=', incomingEmailId ?? -1).as('mail'),
    eb.fn.countAll<string>().filterWhere('created_at', '>', sql<Date>`now() - interval '1 hour'`).as('hour'),
  ]).executeTakeFirstOrThrow();
  if (Number(row.mail) + reserved >= maxPerMail) return `this mail already made ${maxPerMail} staged accounts (the per-mail cap)`;
  if (Number(row.hour) >= maxPerHour) return `${maxPerHour} staged accounts were made in the last hour (the hourly cap)`;
  return null;
}

/**
 * Makes a staged account for the address inside the mail's transaction (`trx`): it disappears with
 * the transaction if the mail is then rejected, and `user-provisioned` fires only once it commits.
 * Null when a cap says no; `reserved` keeps that many of the per-mail cap for someone else (the sender).
 * `incomingEmailId` is null for an account made without a mail (a message opened on someone's behalf).
 */
export async function stageAccount(ctx: Ctx, trx: unknown, person: { address: string; name: string }, incomingEmailId: number | null, reserved = 0): Promise<User | null> {
  const db = trx as Db;
  const refused = await capReached(ctx, db, incomingEmailId, reserved);
  if (refused) {
    ctx.log.warn({ address: person.address, incomingEmailId }, `no staged account: ${refused}`);
    return null;
  }
  const username = await freeUsername(ctx, trx, person.address);
  const user = await ctx.forum.users.create({ username, email: person.address, name: displayName(person.name, person.address), staged: true, password: null }, 'staged', trx as never);
  await db.insertInto('staged_accounts').values({ user_id: user.id, incoming_email_id: incomingEmailId }).execute();
  return user;
}
