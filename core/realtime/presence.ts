import type { EventBus } from './event-bus.ts';

export type PresenceState = 'viewing' | 'replying' | 'left';
export interface PresenceEntry { userId: number; username: string; state: Exclude<PresenceState, 'left'>; at: number }

/** Browsers repeat their presence every 15 s; an entry not repeated for this long is gone. */
export const PRESENCE_TTL_MS = 35_000;

/**
 * Who is viewing or replying to each topic. Every process learns it from the bus, so a browser
 * on one process sees someone typing on another; nothing is kept that a restart would miss.
 */
export class Presence {
  private readonly topics = new Map<number, Map<number, PresenceEntry>>();

  constructor(private readonly bus: EventBus, private readonly now: () => number) {}

  start(): void {
    this.bus.subscribe('*', (event) => {
      if (!event.channel.startsWith('/presence/') || event.topicId === null) return;
      const p = event.payload as { userId: number; username: string; state: PresenceState };
      this.apply(event.topicId, p);
    });
  }

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
  }
}
