import type { EventBus } from './event-bus.ts';

export type PresenceState = 'viewing' | 'replying' | 'left';
export interface PresenceEntry { userId: number; username: string; state: Exclude<PresenceState, 'left'>; at: number }

/** Browsers repeat their presence every 15 s; an entry not repeated for this long is gone. */
export const PRESENCE_TTL_MS = 35_000;
/** Watchers get at most one presence snapshot per topic in this interval, however busy the topic. */
export const PRESENCE_FLUSH_MS = 500;

/**
 * Who is viewing or replying to each topic. Every process learns it from the bus, so a browser
 * on one process sees someone typing on another. Changes are coalesced: a topic's watchers get
 * one snapshot per interval, not one message per change (500 viewers would otherwise cost 250,000).
 */
export class Presence {
  private readonly topics = new Map<number, Map<number, PresenceEntry>>();
  private readonly dirty = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private listener: (topicId: number, entries: PresenceEntry[]) => void = () => {};

  constructor(private readonly bus: EventBus, private readonly now: () => number) {}

  start(): void {
    this.bus.subscribe('*', (event) => {
      if (!event.channel.startsWith('/presence/') || event.topicId === null) return;
      const p = event.payload as { userId: number; username: string; state: PresenceState };
      this.apply(event.topicId, p);
    });
    this.timer = setInterval(() => this.flush(), PRESENCE_FLUSH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Called with a topic's current presence whenever it changed since the last interval. */
  onChange(listener: (topicId: number, entries: PresenceEntry[]) => void): void { this.listener = listener; }

  async announce(topicId: number, user: { id: number; username: string }, state: PresenceState): Promise<void> {
    await this.bus.publish(`/presence/${topicId}`, { type: 'presence', topicId, userId: user.id, username: user.username, state }, { topicId, persist: false });
  }

  current(topicId: number): PresenceEntry[] {
    const now = this.now();
    return [...(this.topics.get(topicId)?.values() ?? [])].filter((e) => now - e.at < PRESENCE_TTL_MS);
  }

  private apply(topicId: number, p: { userId: number; username: string; state: PresenceState }): void {
    const entries = this.topics.get(topicId) ?? new Map<number, PresenceEntry>();
    if (p.state === 'left') entries.delete(p.userId);
    else entries.set(p.userId, { userId: p.userId, username: p.username, state: p.state, at: this.now() });
    if (entries.size) this.topics.set(topicId, entries);
    else this.topics.delete(topicId);
    this.dirty.add(topicId);
  }

  private flush(): void {
    for (const topicId of this.dirty) this.listener(topicId, this.current(topicId));
    this.dirty.clear();
  }
}
