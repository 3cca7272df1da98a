// Bounces: attributed to one recipient by the VERP return path when possible, else by the
// delivery report. A hard bounce stops mail to the address at once; soft ones after a limit.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { BounceInfo } from '../parse/index.ts';

export interface BounceRecord { addresses: string[]; hard: boolean; status: string | null; suppressed: string[] }

function bareAddress(formatted: string): string {
  return (/<([^<>]+)>\s*$/.exec(formatted)?.[1] ?? formatted).trim().toLowerCase();
}

/** The recipient of the outgoing message whose VERP token this bounce came back to. */
export async function verpRecipient(db: Kysely<DB>, token: string, bounceAddress: string): Promise<string | null> {
  const row = await db.selectFrom('outgoing_emails').select('to_address').where('return_path', '=', bounceAddress).executeTakeFirst();
  return row ? bareAddress(row.to_address) : null;
}

export async function recordBounce(db: Kysely<DB>, addresses: string[], info: BounceInfo | null, softLimit: number, now: Date): Promise<BounceRecord> {
  const status = info?.status ?? null;
  const hard = info ? !info.temporary : false;
  const suppressed: string[] = [];
  for (const address of [...new Set(addresses.map((a) => a.toLowerCase()))]) {
    const row = await db.insertInto('email_address_states')
      .values({ address_lower: address, hard_bounces: hard ? 1 : 0, soft_bounces: hard ? 0 : 1, last_status: status, last_bounce_at: now, suppressed_at: null, suppressed_reason: null })
      .onConflict((oc) => oc.column('address_lower').doUpdateSet((eb) => ({
        hard_bounces: eb('email_address_states.hard_bounces', '+', hard ? 1 : 0),
        soft_bounces: eb('email_address_states.soft_bounces', '+', hard ? 0 : 1),
        last_status: status, last_bounce_at: now,
      }))).returningAll().executeTakeFirstOrThrow();
    if (row.suppressed_at) continue;
    const reason = row.hard_bounces > 0 ? `hard bounce${status ? ` (${status})` : ''}` : row.soft_bounces >= softLimit ? `${row.soft_bounces} soft bounces${status ? `, last ${status}` : ''}` : null;
    if (!reason) continue;
    await db.updateTable('email_address_states').set({ suppressed_at: now, suppressed_reason: reason }).where('address_lower', '=', address).execute();
    suppressed.push(address);
  }
  return { addresses, hard, status, suppressed };
}

/** Lets mail flow to an address again (an admin fixed it, or the user confirmed it works). */
export async function resumeMail(db: Kysely<DB>, address: string): Promise<void> {
  await db.deleteFrom('email_address_states').where('address_lower', '=', address.toLowerCase()).execute();
}

export const addressState = (db: Kysely<DB>, address: string) =>
  db.selectFrom('email_address_states').selectAll().where('address_lower', '=', address.toLowerCase()).executeTakeFirst();
