import type { CompiledQuery, Kysely } from 'kysely';
import type pg from 'pg';

/**
 * Named prepared statements on PostgreSQL, so the server parses and plans a statement once per
 * connection instead of on every call (for short statements that is most of their cost). Every
 * parameterised statement is prepared once this process has run it a few times (as JDBC's
 * prepareThreshold does); `executePrepared` prepares a hot query from its first call. PostgreSQL
 * keeps a generic plan for a statement only when that plan is as good as a fresh one, so write
 * what a plan hinges on (an archetype, a LIMIT) as literals, or it goes on planning each call
 * (still correct, only slower).
 *
 * Names are shared by every connection of the process; their number is capped, and past the cap
 * statements run unnamed as before. PGlite ignores all of this.
 */
const MAX_STATEMENTS = 400;
/** Runs of the same SQL before it is prepared: one-off statements never take up a name. */
const PREPARE_AFTER = 3;
const names = new Map<string, string>();
const sightings = new Map<string, number>();
let counter = 0;

function nameFor(text: string, now: boolean): string | undefined {
  const known = names.get(text);
  if (known || names.size >= MAX_STATEMENTS) return known;
  const seen = (sightings.get(text) ?? 0) + 1;
  if (!now && seen < PREPARE_AFTER) {
    if (sightings.size < 10 * MAX_STATEMENTS) sightings.set(text, seen);
    return undefined;
  }
  sightings.delete(text);
  const name = `parley_${++counter}`;
  names.set(text, name);
  return name;
}

/** Runs a query (built with kysely, or a `sql` template) as a named prepared statement from its first call (on PostgreSQL). */
export async function executePrepared<O>(db: Kysely<any>, query: { compile(db: Kysely<any>): CompiledQuery<O> }): Promise<O[]> {
  const compiled = query.compile(db);
  nameFor(compiled.sql, true);
  return (await db.executeQuery(compiled)).rows;
}

/** "cached plan must not change result type": a migration changed a table under a prepared statement. */
const STALE_PLAN = '0A000';

/**
 * A pg pool for kysely whose clients run parameterised statements by name once they are prepared.
 * Should a migration change a table under one, the call runs unnamed and the next one prepares
 * the statement afresh under a new name.
 */
export function preparingPool(pool: pg.Pool): pg.Pool {
  const wrapped = new WeakMap<pg.PoolClient, pg.PoolClient>();
  const wrap = (client: pg.PoolClient): pg.PoolClient => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
    const proxy = Object.create(client) as pg.PoolClient;
    proxy.query = ((text: unknown, values?: unknown[]) => {
      const name = typeof text === 'string' && values && values.length > 0 ? nameFor(text, false) : undefined;
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
