import type { WebSocket } from '@fastify/websocket';
import type { Viewer } from '../permissions/viewer.ts';
import type { BusEvent } from './event-bus.ts';

/** How long a "may see this topic" answer is trusted; visibility changes also clear it at once. */
export const VISIBILITY_TTL_MS = 5_000;

/** One browser's websocket: who it is, what it watches, and what it may see. */
export class LiveConnection {
  /** Topics this browser has open (topic pages), and whether it watches topic lists. */
  readonly topics = new Set<number>();
  lists = false;
  private readonly visible = new Map<number, { ok: boolean; at: number }>();

  constructor(readonly socket: WebSocket, public viewer: Viewer & { id: number }) {}

  cachedVisibility(topicId: number, now: number): boolean | undefined {
    const hit = this.visible.get(topicId);
    return hit && now - hit.at < VISIBILITY_TTL_MS ? hit.ok : undefined;
  }

  remember(topicId: number, ok: boolean, now: number): void { this.visible.set(topicId, { ok, at: now }); }

  forget(topicId?: number): void {
    if (topicId === undefined) this.visible.clear();
    else this.visible.delete(topicId);
  }

  /** Events addressed to users or groups: an in-memory check, no query. */
  addressedTo(event: BusEvent): boolean {
    if (!event.userIds && !event.groupIds) return true;
    return Boolean(event.userIds?.includes(this.viewer.id) || event.groupIds?.some((g) => this.viewer.groupIds.includes(g)));
  }

  /** Whether this connection wants an event about a topic at all, before asking if it may see it. */
  interestedIn(event: BusEvent): boolean {
    if (event.channel.startsWith('/presence/')) return event.topicId !== null && this.topics.has(event.topicId);
    if (event.topicId === null) return true;
    return this.topics.has(event.topicId) || this.lists;
  }

  send(message: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
