import type { WebSocket } from '@fastify/websocket';
import type { Viewer } from '../permissions/viewer.ts';
import type { BusEvent } from './event-bus.ts';

/**
 * How long a "may see this topic" answer is trusted. Every change to who may see what (group
 * membership, category permissions, suspension) clears it at once through the bus; the expiry
 * is a safety net, spread by ±20% so thousands of connections do not all re-ask at once.
 */
export const VISIBILITY_TTL_MS = 60_000;
const ttl = () => VISIBILITY_TTL_MS * (0.8 + Math.random() * 0.4);

/** One browser's websocket: who it is, what it watches, and what it may see. */
export class LiveConnection {
  /** Topics this browser has open (topic pages), and whether it watches topic lists. */
  readonly topics = new Set<number>();
  lists = false;
  private readonly visible = new Map<number, { ok: boolean; until: number }>();

  constructor(readonly socket: WebSocket, public viewer: Viewer & { id: number }) {}

  cachedVisibility(topicId: number, now: number): boolean | undefined {
    const hit = this.visible.get(topicId);
    return hit && now < hit.until ? hit.ok : undefined;
  }

  remember(topicId: number, ok: boolean, now: number): void { this.visible.set(topicId, { ok, until: now + ttl() }); }

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
    if (event.topicId === null) return true;
    return this.topics.has(event.topicId) || this.lists;
  }

  send(message: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
