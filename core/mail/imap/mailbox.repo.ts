// IMAP mailboxes: one small function per query. Lease times are the database's clock (`now()`),
// so processes on different machines agree on when a lease has expired.
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EmailMailboxesTable, Mailbox } from '../mail.table.ts';

export type MailboxValues = Pick<Insertable<EmailMailboxesTable>, 'name' | 'host' | 'port' | 'tls' | 'username' | 'password' | 'folder' | 'after_import' | 'move_to' | 'enabled'>;

export const listMailboxes = (db: Kysely<DB>): Promise<Mailbox[]> =>
  db.selectFrom('email_mailboxes').selectAll().orderBy('name').orderBy('id').execute();

export const findMailbox = (db: Kysely<DB>, id: number): Promise<Mailbox | undefined> =>
  db.selectFrom('email_mailboxes').selectAll().where('id', '=', id).executeTakeFirst();

export const insertMailbox = (db: Kysely<DB>, values: MailboxValues): Promise<Mailbox> =>
  db.insertInto('email_mailboxes').values(values).returningAll().executeTakeFirstOrThrow();

/** Changes the settings; a change of server, account or folder starts the bookkeeping afresh (status, errors, back-off). */
export async function updateMailbox(db: Kysely<DB>, id: number, values: Updateable<EmailMailboxesTable>): Promise<Mailbox | undefined> {
  return db.updateTable('email_mailboxes').set(values).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function deleteMailbox(db: Kysely<DB>, id: number): Promise<boolean> {
  const res = await db.deleteFrom('email_mailboxes').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/**
 * Takes (or renews) the right to poll a mailbox for `ttlMs`: succeeds when nobody holds it, the
 * holder's lease has run out (it crashed or hung), or `owner` already holds it. Concurrent claims
 * on PostgreSQL serialise on the row, and the loser sees the winner's lease: one poller per mailbox.
 */
export async function claimLease(db: Kysely<DB>, id: number, owner: string, ttlMs: number): Promise<boolean> {
  const row = await db.updateTable('email_mailboxes')
    .set({ lease_owner: owner, lease_expires_at: sql<Date>`now() + make_interval(secs => ${ttlMs / 1000})` })
    .where('id', '=', id).where('enabled', '=', true)
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', sql<Date>`now()`), eb('lease_owner', '=', owner)]))
    .returning('id').executeTakeFirst();
  return row !== undefined;
}

/** The distinct lease holders whose owner string starts with `host:`. */
export async function leaseOwnersOn(db: Kysely<DB>, host: string): Promise<string[]> {
  const rows = await db.selectFrom('email_mailboxes').select('lease_owner').distinct()
    .where('lease_owner', 'like', `${host.replace(/[\\%_]/g, '\\$&')}:%`).execute();
  return rows.map((r) => r.lease_owner!);
}

/** Frees every lease `owner` holds. */
export async function releaseLeasesOf(db: Kysely<DB>, owner: string): Promise<void> {
  await db.updateTable('email_mailboxes').set({ lease_owner: null, lease_expires_at: null }).where('lease_owner', '=', owner).execute();
}

export async function releaseLease(db: Kysely<DB>, id: number, owner: string): Promise<void> {
  await db.updateTable('email_mailboxes').set({ lease_owner: null, lease_expires_at: null })
    .where('id', '=', id).where('lease_owner', '=', owner).execute();
}

/** One message handed to the pipeline: the next fetch starts after `uid`. */
export async function recordProgress(db: Kysely<DB>, id: number, uidValidity: string, uid: number): Promise<void> {
  await db.updateTable('email_mailboxes')
    .set((eb) => ({ last_uid: uid, imported_count: eb('imported_count', '+', 1) }))
    .where('id', '=', id).where('uid_validity', '=', uidValidity).where('last_uid', '<', uid).execute();
}

/**
 * The folder's UIDVALIDITY is new: its UIDs mean something else now, so the folder is read again
 * from the start. `note` (when it changed rather than was first seen) is shown to admins.
 */
export async function resetUidValidity(db: Kysely<DB>, id: number, uidValidity: string, note: string | null, at: Date): Promise<void> {
  await db.updateTable('email_mailboxes')
    .set({ uid_validity: uidValidity, last_uid: 0, ...(note ? { status: 'rescanned', last_error: note, last_error_at: at } : {}) })
    .where('id', '=', id).execute();
}

/** A check went through: errors and back-off are over. A 'rescanned' status stays until the next check. */
export async function recordSuccess(db: Kysely<DB>, id: number, at: Date, status: 'ok' | 'rescanned'): Promise<void> {
  await db.updateTable('email_mailboxes')
    .set({ status, failures: 0, next_attempt_at: null, last_checked_at: at })
    .where('id', '=', id).execute();
}

/** A connection, login or folder failure: counted, and the next attempt waits `retryInMs`. */
export async function recordFailure(db: Kysely<DB>, id: number, error: string, at: Date, retryInMs: number): Promise<void> {
  await db.updateTable('email_mailboxes')
    .set((eb) => ({
      status: 'error', last_error: error.slice(0, 1000), last_error_at: at, last_checked_at: at,
      failures: eb('failures', '+', 1), next_attempt_at: new Date(at.getTime() + retryInMs),
    }))
    .where('id', '=', id).execute();
}

/** "Check now": the back-off is waived, so the poller that holds the mailbox connects at once. */
export async function waiveBackoff(db: Kysely<DB>, id: number): Promise<boolean> {
  const res = await db.updateTable('email_mailboxes').set({ next_attempt_at: null }).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
