import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * A @fastify/rate-limit store in PostgreSQL, so a limit holds across every Parley process.
 * One atomic upsert per hit: the window restarts once it has expired.
 */
export function pgRateLimitStore(db: Kysely<DB>) {
  return class PgRateLimitStore {
    private readonly timeWindow: number;
    private readonly prefix: string;
    constructor(options: { timeWindow?: number | string }, prefix = '') {
      this.timeWindow = typeof options.timeWindow === 'number' ? options.timeWindow : 60_000;
      this.prefix = prefix;
    }

    incr(key: string, cb: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow?: number): void {
      const windowMs = timeWindow ?? this.timeWindow;
      const full = `${this.prefix}${key}`;
      sql<{ hits: number; reset_at: Date }>`
        INSERT INTO rate_limits (key, hits, reset_at) VALUES (${full}, 1, now() + ${`${windowMs} milliseconds`}::interval)
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN rate_limits.reset_at <= now() THEN 1 ELSE rate_limits.hits + 1 END,
          reset_at = CASE WHEN rate_limits.reset_at <= now() THEN excluded.reset_at ELSE rate_limits.reset_at END
        RETURNING hits, reset_at`.execute(db)
        .then((r) => cb(null, { current: r.rows[0].hits, ttl: Math.max(0, new Date(r.rows[0].reset_at).getTime() - Date.now()) }))
        .catch((err: Error) => cb(err));
    }

    child(routeOptions: { routeInfo?: { method?: string; url?: string }; timeWindow?: number | string }) {
      return new PgRateLimitStore({ timeWindow: routeOptions.timeWindow ?? this.timeWindow },
        `${this.prefix}${routeOptions.routeInfo?.method ?? ''}${routeOptions.routeInfo?.url ?? ''}:`);
    }
  };
}
