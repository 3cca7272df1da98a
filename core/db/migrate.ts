import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { parleyError } from '../errors.ts';

export const CORE_MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** The ledger table for an owner: core's, or one per plugin. */
export function ledgerName(owner: string): string {
  return owner === 'core' ? 'parley_migrations' : `parley_migrations_${owner.replace(/[^a-z0-9]/gi, '_')}`;
}

export interface MigrationOutcome { owner: string; applied: string[] }

/** Applies every pending migration in `folder` for `owner`; a no-op on an up-to-date database. */
export async function migrateFolder(db: Kysely<any>, owner: string, folder: string): Promise<MigrationOutcome> {
  const exists = await fs.stat(folder).then((s) => s.isDirectory(), () => false);
  if (!exists) return { owner, applied: [] };
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
    migrationTableName: ledgerName(owner),
    migrationLockTableName: `${ledgerName(owner)}_lock`,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw parleyError('INTERNAL', `Migration ${failed} of ${owner} failed: ${(result.error as Error).message}`, { cause: result.error });
  }
  return { owner, applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
