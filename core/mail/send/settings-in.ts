// Site settings read through the caller's transaction. Mail is queued inside other operations'
// transactions, and PGlite has a single connection: there, the settings cache loading itself
// through `core.db` would wait for the very transaction that is waiting for it.
import { Value } from '@sinclair/typebox/value';
import type { Kysely, Transaction } from 'kysely';
import { SiteSettingsSchema, type SiteSettings } from '../../admin/site-settings.ts';
import type { DB } from '../../db/schema.ts';

const perTransaction = new WeakMap<Transaction<DB>, Promise<SiteSettings>>();

async function load(db: Kysely<DB>): Promise<SiteSettings> {
  const rows = await db.selectFrom('site_settings').select(['name', 'value']).execute();
  const props = SiteSettingsSchema.properties as Record<string, Parameters<typeof Value.Check>[0]>;
  // Like the cache: a stored value that no longer fits its schema falls back to the default.
  const stored = Object.fromEntries(rows.filter((r) => props[r.name] && Value.Check(props[r.name], r.value)).map((r) => [r.name, r.value]));
  return Value.Default(SiteSettingsSchema, stored) as SiteSettings;
}

/** The settings as this transaction sees them, read once per transaction. */
export function siteSettingsIn(trx: Transaction<DB>): Promise<SiteSettings> {
  let settings = perTransaction.get(trx);
  if (!settings) {
    settings = load(trx);
    perTransaction.set(trx, settings);
  }
  return settings;
}
