import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { viewerFromUser, type Viewer } from '../permissions/viewer.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import { VISIBILITY_CHANGED } from '../realtime/live-hub.ts';
import type { User } from '../users/users.table.ts';
import { SESSIONS_ENDED, findSession, sessionId, type SessionsEnded } from './sessions.ts';

/** A signed-in browser, as every request of its session sees it. */
export interface CachedSession {
  readonly user: User;
  readonly viewer: Viewer & { id: number };
  readonly expiresAt: number;
}

interface Entry { session: CachedSession; userId: number; freshUntil: number }

export interface SessionCacheOptions {
  /** How long an entry is trusted without hearing of a change: a bound on a lost notification. */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Who each session cookie belongs to, held in this process so most requests skip the session
 * query. Changes reach it through the event bus from every process: a sign-out or suspension
 * (`SESSIONS_ENDED`), and anything that changes what a user may see or is (`VISIBILITY_CHANGED`
 * for their ids: group membership, roles, suspension, activation). This process's own changes
 * apply before the change is even committed (`bus.onPublish`), so its next request never sees
 * the old answer; other processes hear of it as soon as PostgreSQL delivers the notification.
 * Whoever changes a user's row or groups must send one of those two signals.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every change: a load that started before a change does not store what it read. */
  private generation = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly deps: { db: Kysely<DB>; bus: EventBus }, opts: SessionCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Listens for changes; call once, before the app serves requests. */
  start(): void {
    const { bus } = this.deps;
    const ended = (p: unknown) => this.forgetEnded(p as SessionsEnded);
    const visibility = (p: unknown) => this.forgetVisibility(p as { userIds?: number[]; topicId?: number });
    bus.onPublish(SESSIONS_ENDED, ended);
    bus.onPublish(VISIBILITY_CHANGED, visibility);
    bus.subscribe(SESSIONS_ENDED, (e) => ended(e.payload));
    bus.subscribe(VISIBILITY_CHANGED, (e) => visibility(e.payload));
  }

  /** The session for a cookie's token, or null when it is unknown, expired, or its user may not sign in. */
  async get(token: string): Promise<CachedSession | null> {
    const id = sessionId(token);
    const now = this.now();
    const hit = this.entries.get(id);
    if (hit && hit.freshUntil > now && hit.session.expiresAt > now) return usable(hit.session, now) ? hit.session : null;
    const generation = this.generation;
    const row = await findSession(this.deps.db, id);
    if (!row) {
      this.entries.delete(id);
      return null;
    }
    const session: CachedSession = { user: Object.freeze(row.user), viewer: Object.freeze(viewerFromUser(row.user, row.groupIds)), expiresAt: row.expiresAt.getTime() };
    if (!usable(session, now)) return null;
    if (generation === this.generation) this.store(id, { session, userId: row.user.id, freshUntil: now + this.ttlMs });
    return session;
  }

  private store(id: string, entry: Entry): void {
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, entry);
  }

  private forgetEnded(ended: SessionsEnded): void {
    this.generation++;
    for (const id of ended.sessionIds ?? []) this.entries.delete(id);
    if (ended.userIds?.length) this.forgetUsers(ended.userIds);
  }

  /** A change for some users drops their sessions; one for everyone (no users, no topic) drops all. */
  private forgetVisibility(change: { userIds?: number[]; topicId?: number }): void {
    this.generation++;
    if (change.userIds) this.forgetUsers(change.userIds);
    else if (change.topicId === undefined) this.entries.clear();
  }

  private forgetUsers(userIds: number[]): void {
    const users = new Set(userIds);
    for (const [id, entry] of this.entries) if (users.has(entry.userId)) this.entries.delete(id);
  }
}

/** Staged, inactive and suspended users hold no usable session (suspension ends when its date passes). */
function usable(session: CachedSession, now: number): boolean {
  const { user } = session;
  return !user.staged && user.active && !(user.suspended_until && user.suspended_until.getTime() > now);
}
