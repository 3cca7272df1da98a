import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { Guardian } from '../permissions/guardian.ts';
import type { Viewer } from '../permissions/viewer.ts';
import { TOPIC_COLUMNS, countersFor } from './topics.repo.ts';
import type { Topic } from './topics.table.ts';

export interface Suggestion { topic: Topic; reason: string }

/**
 * Topics suggested under a topic. Sources come from plugins through `topic-suggestions`; whatever
 * they propose, the guardian removes what the viewer may not see, and duplicates and the topic
 * itself are dropped, keeping the sources' order.
 */
export class Suggestions {
  constructor(private readonly deps: { db: Kysely<DB>; hooks: Hooks; guardian: Guardian }) {}

  async for(viewer: Viewer, topicId: number, limit = 5): Promise<Suggestion[]> {
    const { db, guardian } = this.deps;
    await guardian.ensureCanSeeTopic(db, viewer, topicId);
    const topic = (await db.selectFrom('topics').select(TOPIC_COLUMNS).where('id', '=', topicId).executeTakeFirst())!;
    return this.forTopic(viewer, topic, limit);
  }

  /** For a topic the caller has already shown the viewer (the topic page): no second check or read. */
  async forTopic(viewer: Viewer, topic: Topic, limit = 5): Promise<Suggestion[]> {
    const { db, hooks, guardian } = this.deps;
    const topicId = topic.id;
    const proposed = await hooks.filter('topic-suggestions', [], { viewer, topic, limit });
    const ids = [...new Set(proposed.map((s) => s.topicId))].filter((id) => id !== topicId);
    const visible = await guardian.visibleTopicIds(db, viewer, ids);
    const kept = ids.filter((id) => visible.has(id)).slice(0, limit);
    if (kept.length === 0) return [];
    const rows = await db.selectFrom('topics').select(TOPIC_COLUMNS).where('id', 'in', kept).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return kept.map((id) => ({ topic: countersFor(viewer, byId.get(id)!), reason: proposed.find((s) => s.topicId === id)!.reason }));
  }
}
