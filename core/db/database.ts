import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import { preparingPool } from './prepared.ts';
import type { DB } from './schema.ts';

/** Numbers, not strings, for bigint counts and sums (ids are `integer`, counts never near 2^53). */
pg.types.setTypeParser(20, Number);
pg.types.setTypeParser(1700, Number);

export type Engine = 'pglite' | 'postgres';

export interface SqlResult { rows: Record<string, unknown>[] }

/** The database Parley runs on: a kysely instance plus the raw access pg-boss and the event bus need. */
export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<DB>;
  /** Where pg-boss should connect on PostgreSQL; null on PGlite (it uses `executeSql`). */
  readonly connectionString: string | null;
  /** Raw SQL; without parameters it may hold several statements. */
  executeSql(text: string, values?: unknown[]): Promise<SqlResult>;
  /** LISTEN on a channel; resolves to an unlisten function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** PGlite only: the whole database as an uncompressed tarball (tests start from a migrated template; loading it skips a gunzip). */
  dumpDataDir?: () => Promise<Blob>;
}

export interface OpenOptions {
  /** PostgreSQL URL; null for PGlite. */
  url: string | null;
  /** PGlite folder, or 'memory' for an in-memory database (tests). */
  pgliteDir?: string | 'memory';
  /** Start from a PGlite data-dir dump (tests use a migrated template). */
  pgliteLoadFrom?: Blob | File;
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts.poolSize ?? 10) : openPglite(opts);
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  const dir = opts.pgliteDir ?? 'memory';
  if (dir !== 'memory') await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  const pglite = await PGlite.create({
    dataDir: dir === 'memory' ? undefined : dir,
    loadDataDir: opts.pgliteLoadFrom,
    parsers: { 20: Number, 1700: Number },
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    engine: 'pglite',
    db,
    connectionString: null,
    async executeSql(text, values) {
      if (values && values.length > 0) return pglite.query(text, values) as Promise<SqlResult>;
      const results = await pglite.exec(text);
      return (results.at(-1) ?? { rows: [] }) as SqlResult;
    },
    async listen(channel, onPayload) {
      const unlisten = await pglite.listen(channel, onPayload);
      return async () => { await unlisten(); };
    },
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
    dumpDataDir: async () => pglite.dumpDataDir('none') as Promise<Blob>,
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => { /* an idle client died; the pool replaces it */ });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  const listeners = new Set<pg.Client>();
  return {
    engine: 'postgres',
    db,
    connectionString: url,
    async executeSql(text, values) {
      const r = await pool.query(text, values as unknown[] | undefined);
      return { rows: (Array.isArray(r) ? r.at(-1)?.rows : r.rows) ?? [] };
    },
    async listen(channel, onPayload) {
      const client = await listenClient(url, channel, onPayload);
      listeners.add(client);
      return async () => { listeners.delete(client); await client.end().catch(() => {}); };
    },
    async close() {
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      await db.destroy();
    },
  };
}

/** A dedicated connection for LISTEN (a pooled one could be handed to someone else). */
async function listenClient(url: string, channel: string, onPayload: (p: string) => void): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => { /* ended by close(), or the server went away: the bus reconnects */ });
  await client.connect();
  client.on('notification', (msg) => { if (msg.channel === channel) onPayload(msg.payload ?? ''); });
  await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
  return client;
}
