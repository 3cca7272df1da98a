import type { Compilable, Kysely } from 'kysely';
import type pg from 'pg';

/**
 * Named prepared statements for the few queries that run on nearly every request (topic lists).
 * PostgreSQL then parses and plans such a statement once per connection instead of on every call,
 * which for a list query costs more than running it. A statement only profits when its plan does
 * not hinge on a parameter: write what the plan depends on (archetype, LIMIT) as literals, or
 * PostgreSQL keeps planning it per call (it still works, only slower).
 *
 * The names are shared by every connection of the process; the number of distinct statements
 * is capped, and past the cap queries run unnamed as before. PGlite ignores all of this.
 */
const MAX_STATEMENTS = 200;
const names = new Map<string, string>();
let counter = 0;

/** Runs a query built with kysely as a named prepared statement (on PostgreSQL). */
export async function executePrepared<O>(db: Kysely<any>, query: Compilable<O>): Promise<O[]> {
  const compiled = query.compile();
  if (!names.has(compiled.sql) && names.size < MAX_STATEMENTS) names.set(compiled.sql, `parley_${++counter}`);
  return (await db.executeQuery(compiled)).rows;
}

/** "cached plan must not change result type": a migration changed a table under a prepared statement. */
const STALE_PLAN = '0A000';

/**
 * A pg pool for kysely whose clients run the statements registered by `executePrepared` by name.
 * Should a migration change a table under one, the call runs unnamed and the next one prepares
 * the statement afresh under a new name.
 */
export function preparingPool(pool: pg.Pool): pg.Pool {
  const wrapped = new WeakMap<pg.PoolClient, pg.PoolClient>();
  const wrap = (client: pg.PoolClient): pg.PoolClient => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
    const proxy = Object.create(client) as pg.PoolClient;
    proxy.query = ((text: unknown, values?: unknown[]) => {
      const name = typeof text === 'string' ? names.get(text) : undefined;
      if (!name) return query(text, values);
      return query({ name, text, values }).catch((err: { code?: string }) => {
        if (err.code !== STALE_PLAN) throw err;
        names.delete(text as string);
        return query(text, values);
      });
    }) as pg.PoolClient['query'];
    proxy.release = (err?: Error | boolean) => client.release(err);
    return proxy;
  };
  return Object.assign(Object.create(pool) as pg.Pool, {
    connect: async () => {
      const client = await pool.connect();
      let proxy = wrapped.get(client);
      if (!proxy) wrapped.set(client, proxy = wrap(client));
      return proxy;
    },
    end: () => pool.end(),
  });
}
