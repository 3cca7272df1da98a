import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * What was trimmed from posts that came by email (quoted history, signatures), by post id, so
 * readers can expand it. Callers pass only posts the viewer may already see.
 */
export async function elidedByPost(db: Kysely<DB>, posts: ReadonlyArray<{ id: number; via: string }>): Promise<Map<number, string>> {
  const ids = posts.filter((p) => p.via === 'email').map((p) => p.id);
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('incoming_emails').select(['post_id', 'elided']).where('post_id', 'in', ids).where('elided', 'is not', null).execute();
  return new Map(rows.map((r) => [r.post_id!, r.elided!]));
}
