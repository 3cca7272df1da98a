import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import {
  CompiledQuery, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult,
} from 'kysely';

/**
 * A kysely dialect for PGlite whose transactions are PGlite's own `transaction()`.
 *
 * Why not a plain BEGIN/COMMIT: PGlite is one connection shared by kysely, pg-boss and the event
 * bus. PGlite's `query()` waits on the same mutex that `transaction()` holds, so running kysely's
 * transaction inside `transaction()` guarantees no other caller's statement lands inside it.
 */
export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter() { return new PostgresAdapter(); }
  createDriver(): Driver { return new PGliteDriver(this.pg); }
  createQueryCompiler() { return new PostgresQueryCompiler(); }
  createIntrospector(db: Kysely<unknown>) { return new PostgresIntrospector(db); }
}

type Queryable = Pick<PGlite, 'query' | 'exec'> | Transaction;

function lastResult(results: Results[]): Results {
  return results.at(-1) ?? { rows: [], fields: [], affectedRows: 0 };
}

class PGliteConnection implements DatabaseConnection {
  /** Set while a kysely transaction runs on this connection. */
  tx: Transaction | null = null;
  private finish: ((commit: boolean) => void) | null = null;
  private done: Promise<unknown> | null = null;

  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const target: Queryable = this.tx ?? this.pg;
    // Like node-postgres, a statement without parameters goes by the simple protocol, so a
    // migration may hold several statements.
    const result = query.parameters.length === 0
      ? lastResult(await target.exec(query.sql)) as Results<R>
      : await target.query<R>(query.sql, [...query.parameters]);
    return result.affectedRows !== undefined && result.affectedRows > 0
      ? { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) }
      : { rows: result.rows };
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(query);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }

  async begin(): Promise<void> {
    let started!: () => void;
    const ready = new Promise<void>((resolve) => { started = resolve; });
    const outcome = new Promise<boolean>((resolve) => { this.finish = resolve; });
    this.done = this.pg.transaction(async (tx) => {
      this.tx = tx;
      started();
      if (!(await outcome)) await tx.rollback();
    }).finally(() => { this.tx = null; });
    // If BEGIN itself fails, surface that instead of waiting forever.
    await Promise.race([ready, this.done]);
  }

  async end(commit: boolean): Promise<void> {
    this.finish?.(commit);
    this.finish = null;
    await this.done;
  }
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private busy: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;

  constructor(pg: PGlite) { this.connection = new PGliteConnection(pg); }

  async init(): Promise<void> {}

  /** One kysely user at a time; PGlite itself serialises statements from everyone else. */
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.busy;
    let release!: () => void;
    this.busy = new Promise<void>((resolve) => { release = resolve; });
    await previous;
    this.release = release;
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = null;
    release?.();
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> { await (conn as PGliteConnection).begin(); }
  async commitTransaction(conn: DatabaseConnection): Promise<void> { await (conn as PGliteConnection).end(true); }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> { await (conn as PGliteConnection).end(false); }
  async destroy(): Promise<void> {}
}
