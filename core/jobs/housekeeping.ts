import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Jobs } from './jobs.ts';

/** Live events are kept this long for reconnecting browsers to catch up (a longer gap reloads the page). */
export const EVENT_RETENTION_MS = 24 * 3_600_000;
export const HOUSEKEEPING_QUEUE = 'parley.housekeeping';

/** Deletes what has expired: old live events, expired sessions, finished rate-limit windows. */
export async function housekeeping(db: Kysely<DB>, now: Date): Promise<{ events: number; sessions: number; rateLimits: number }> {
  const [events, sessions, rateLimits] = await Promise.all([
    db.deleteFrom('realtime_events').where('created_at', '<', new Date(now.getTime() - EVENT_RETENTION_MS)).executeTakeFirst(),
    db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst(),
    db.deleteFrom('rate_limits').where('reset_at', '<', now).executeTakeFirst(),
  ]);
  return { events: Number(events.numDeletedRows), sessions: Number(sessions.numDeletedRows), rateLimits: Number(rateLimits.numDeletedRows) };
}

/** Runs housekeeping every hour, once across all processes (a pg-boss schedule). */
export async function scheduleHousekeeping(jobs: Jobs, db: Kysely<DB>, now: () => Date): Promise<void> {
  await jobs.work(HOUSEKEEPING_QUEUE, async () => { await housekeeping(db, now()); });
  await jobs.schedule(HOUSEKEEPING_QUEUE, '17 * * * *');
}
