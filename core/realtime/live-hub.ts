import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { viewerOf } from '../notifications/notifications.service.ts';
import type { Guardian } from '../permissions/guardian.ts';
import { PostType } from '../posts/posts.table.ts';
import type { BusEvent, EventBus } from './event-bus.ts';
import type { LiveConnection } from './live-connection.ts';

/** Internal signal: who may see what has changed (membership, permissions, participants). */
export const VISIBILITY_CHANGED = 'parley:visibility-changed';

/**
 * Tells every process that visibility changed for some users (all when omitted) or one topic.
 * Inside a transaction (`db`), the signal goes out only if it commits.
 */
export async function signalVisibilityChanged(bus: EventBus, change: { userIds?: number[]; topicId?: number }, db?: Kysely<DB>): Promise<void> {
  await bus.publish(VISIBILITY_CHANGED, change, { persist: false, db });
}

/**
 * The websocket connections of this process. Every bus event (from any process) is offered to
 * each connection, and sent only if the guardian lets that viewer see it. Whispers and other
 * restricted posts are checked post by post.
 */
export class LiveHub {
  private readonly connections = new Set<LiveConnection>();

  constructor(private readonly deps: { db: Kysely<DB>; guardian: Guardian; bus: EventBus; now: () => number }) {}

  start(): void {
    this.deps.bus.subscribe('*', (event) => (event.channel.startsWith('/presence/') ? undefined : this.dispatch(event)));
    this.deps.bus.subscribe(VISIBILITY_CHANGED, (event) => this.invalidate(event.payload as { topicId?: number; userIds?: number[] }));
  }

  add(conn: LiveConnection): void { this.connections.add(conn); }
  remove(conn: LiveConnection): void { this.connections.delete(conn); }
  get size(): number { return this.connections.size; }

  /** Whether the connection may receive this event; caches topic visibility briefly. */
  async mayReceive(conn: LiveConnection, event: BusEvent): Promise<boolean> {
    if (!conn.addressedTo(event)) return false;
    if (event.topicId === null) return true;
    if (!(await this.maySeeTopic(conn, event.topicId))) return false;
    const payload = event.payload as { postId?: number; postType?: number } | null;
    if (payload?.postId && payload.postType !== undefined && payload.postType !== PostType.regular && payload.postType !== PostType.smallAction) {
      return this.deps.guardian.canSeePost(this.deps.db, conn.viewer, payload.postId);
    }
    return true;
  }

  async maySeeTopic(conn: LiveConnection, topicId: number): Promise<boolean> {
    const now = this.deps.now();
    const cached = conn.cachedVisibility(topicId, now);
    if (cached !== undefined) return cached;
    const ok = await this.deps.guardian.canSeeTopic(this.deps.db, conn.viewer, topicId);
    conn.remember(topicId, ok, now);
    return ok;
  }

  /** A topic's presence snapshot, to the connections watching it (each may see it: checked when they started watching). */
  async sendPresence(topicId: number, entries: { userId: number }[]): Promise<void> {
    for (const conn of this.connections) {
      if (!conn.topics.has(topicId) || !(await this.maySeeTopic(conn, topicId))) continue;
      conn.send({ type: 'presence-list', topicId, entries: entries.filter((e) => e.userId !== conn.viewer.id) });
    }
  }

  private async dispatch(event: BusEvent): Promise<void> {
    if (event.channel.startsWith('parley:')) return; // internal signals never reach browsers
    await Promise.all([...this.connections].map(async (conn) => {
      if (!conn.interestedIn(event)) return;
      if (await this.mayReceive(conn, event)) conn.send({ id: event.id, channel: event.channel, payload: event.payload });
    }));
  }

  /** Drops cached answers; a user whose groups changed is reloaded, and one who may no longer sign in is cut off. */
  private async invalidate(change: { topicId?: number; userIds?: number[] }): Promise<void> {
    for (const conn of this.connections) {
      if (change.userIds && !change.userIds.includes(conn.viewer.id)) continue;
      conn.forget(change.topicId);
      if (!change.userIds) continue;
      const fresh = await viewerOf(this.deps.db, conn.viewer.id);
      const user = await this.deps.db.selectFrom('users').select(['active', 'suspended_until']).where('id', '=', conn.viewer.id).executeTakeFirst();
      if (!fresh || !user?.active || (user.suspended_until && user.suspended_until.getTime() > this.deps.now())) conn.socket.close(4403, 'Signed out');
      else conn.viewer = fresh as typeof conn.viewer;
    }
  }
}
