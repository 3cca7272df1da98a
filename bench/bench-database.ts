import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../core/db/database.ts';

/** The PostgreSQL superuser URL benchmarks create their databases with. */
export function benchServerUrl(): string {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to benchmark PostgreSQL');
  return url;
}

/** Drops and recreates a database on the server at `url` (a superuser URL); returns its URL. */
export async function recreateDatabase(url: string, name: string): Promise<string> {
  await adminQuery(url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await adminQuery(url, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops a benchmark's database, so a million seeded rows do not linger (nor autovacuum later). */
export async function dropDatabase(url: string, name: string): Promise<void> {
  await adminQuery(url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
}

async function adminQuery(url: string, text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try { await admin.query(text); } finally { await admin.end(); }
}

/**
 * A fresh, empty database for one benchmark: a file-backed PGlite in the temp folder, or a new
 * database on the PostgreSQL server. Closing it deletes it.
 */
export async function openBenchDatabase(engine: 'pglite' | 'postgres', name: string): Promise<Database> {
  if (engine === 'pglite') {
    const dir = path.join(os.tmpdir(), `${name}-pglite-${process.pid}`);
    await fs.rm(dir, { recursive: true, force: true });
    const database = await openDatabase({ url: null, pgliteDir: dir });
    return { ...database, close: async () => { await database.close(); await fs.rm(dir, { recursive: true, force: true }); } };
  }
  const server = benchServerUrl();
  const database = await openDatabase({ url: await recreateDatabase(server, name), poolSize: 10 });
  return { ...database, close: async () => { await database.close(); await dropDatabase(server, name); } };
}
