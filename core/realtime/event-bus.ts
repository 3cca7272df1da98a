import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

/** Who may receive an event. Absent fields mean no restriction of that kind. */
export interface Audience {
  /** The event concerns this topic: only viewers who may see it receive it. */
  topicId?: number | null;
  /** Only these users (and members of `groupIds`, when both are given). */
  userIds?: number[] | null;
  groupIds?: number[] | null;
}

export interface BusEvent<T = unknown> extends Required<Audience> {
  /** Position in the persisted log, for catch-up; null for internal, unpersisted events. */
  id: number | null;
  channel: string;
  payload: T;
  /** The process that published it. */
  origin: string;
}

export type BusHandler = (event: BusEvent) => void | Promise<void>;

const CHANNEL = 'parley_events';
/** NOTIFY payloads are capped at 8000 bytes; bigger events travel by id and are read back. */
const INLINE_LIMIT = 7500;

/**
 * The cross-process event bus on LISTEN/NOTIFY. Every process, this one included, receives
 * events through its LISTEN connection, so delivery is the same with one process or many.
 * Published inside a transaction, an event is delivered only if and when that transaction commits.
 */
export class EventBus {
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly taps = new Map<string, Set<(payload: unknown) => void>>();
  private unlisten: (() => Promise<void>) | null = null;
  readonly origin = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly database: Database, private readonly onError: (err: unknown) => void) {}

  async start(): Promise<void> {
    this.unlisten = await this.database.listen(CHANNEL, (raw) => { void this.receive(raw); });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  /** Subscribe to one channel, or '*' for all. Returns the unsubscribe function. */
  subscribe(channel: string, handler: BusHandler): () => void {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return () => { set.delete(handler); };
  }

  /**
   * Runs `tap` in this process the moment it publishes on `channel`: before the event's
   * transaction commits, and before any process (this one included) receives it through
   * `subscribe`. For in-process caches that must not answer this process's next request from
   * what the event replaces; they still subscribe, to hear of other processes' changes and to
   * drop anything reloaded before the commit. A tap must be cheap and must not throw.
   */
  onPublish(channel: string, tap: (payload: unknown) => void): () => void {
    const set = this.taps.get(channel) ?? new Set();
    set.add(tap);
    this.taps.set(channel, set);
    return () => { set.delete(tap); };
  }

  /**
   * Publish an event. `persist` (default true) keeps it in the log so clients that reconnect can
   * catch up; internal signals (cache invalidation) pass `persist: false`.
   */
  async publish(channel: string, payload: unknown, opts: Audience & { persist?: boolean; db?: Kysely<DB> } = {}): Promise<number | null> {
    const db = opts.db ?? this.database.db;
    for (const tap of this.taps.get(channel) ?? []) tap(payload);
    const audience = { topicId: opts.topicId ?? null, userIds: opts.userIds ?? null, groupIds: opts.groupIds ?? null };
    // One round trip: the row and the notification go in one statement (the notification still
    // waits for the transaction's commit). The event's JSON is written without its id, which only
    // the insert knows, and the statement puts it in front.
    const rest = JSON.stringify({ channel, payload, origin: this.origin, ...audience }).slice(1);
    if (opts.persist === false) {
      const text = `{"id":null,${rest}`;
      if (Buffer.byteLength(text) > INLINE_LIMIT) throw new Error(`Unpersisted event on ${channel} is too large to send`);
      await sql`SELECT pg_notify(${CHANNEL}, ${text})`.execute(db);
      return null;
    }
    // Past the size NOTIFY allows, subscribers get only the id (null text) and read the event back.
    const inline = Buffer.byteLength(rest) + 32 <= INLINE_LIMIT ? rest : null;
    const { rows } = await sql<{ id: number }>`WITH e AS (
        INSERT INTO realtime_events (channel, payload, topic_id, user_ids, group_ids)
        VALUES (${channel}, ${JSON.stringify(payload)}, ${audience.topicId}, ${audience.userIds}, ${audience.groupIds}) RETURNING id)
      SELECT id, pg_notify(${CHANNEL}, coalesce('{"id":' || id || ',' || ${inline}::text, '{"ref":' || id || '}')) FROM e`.execute(db);
    return Number(rows[0].id);
  }

  /** Events after `sinceId` (for a reconnecting client), oldest first. */
  async since(sinceId: number, limit = 500): Promise<BusEvent[]> {
    const rows = await this.database.db.selectFrom('realtime_events').selectAll()
      .where('id', '>', sinceId).orderBy('id').limit(limit).execute();
    return rows.map((r) => this.fromRow(r));
  }

  /** The newest event id, so a fresh client knows where "now" is. */
  async lastId(): Promise<number> {
    const row = await this.database.db.selectFrom('realtime_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  private async receive(raw: string): Promise<void> {
    try {
      const parsed = JSON.parse(raw) as BusEvent | { ref: number };
      const event = 'ref' in parsed ? await this.load(parsed.ref) : parsed;
      if (!event) return;
      const targets = [...(this.handlers.get(event.channel) ?? []), ...(this.handlers.get('*') ?? [])];
      for (const handler of targets) {
        try { await handler(event); } catch (err) { this.onError(err); }
      }
    } catch (err) {
      this.onError(err);
    }
  }

  private async load(id: number): Promise<BusEvent | null> {
    const row = await this.database.db.selectFrom('realtime_events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.fromRow(row) : null;
  }

  private fromRow(r: { id: number; channel: string; payload: unknown; topic_id: number | null; user_ids: number[] | null; group_ids: number[] | null }): BusEvent {
    return { id: Number(r.id), channel: r.channel, payload: r.payload, topicId: r.topic_id, userIds: r.user_ids, groupIds: r.group_ids, origin: '' };
  }
}
