import type { Kysely, QueryCreator } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { readSenderFacts, senderFactColumns, type SenderFacts } from './sender.ts';
import type { DB } from '../../db/schema.ts';
import type { IncomingEmail, IncomingSource, IncomingStatus, TraceStep } from '../mail.table.ts';

export interface StoreInput { raw: Buffer; rawSha256: string; source: IncomingSource; sourceRef?: string | null; envelopeRecipients?: string[]; receivedAt: Date }

/**
 * Stores a raw message; a message already stored under the same source reference is not stored
 * twice. A new row comes back whole but for the raw bytes (the caller holds them), so deciding it
 * needs no read back; an existing one comes back as its id only.
 */
export async function storeIncoming(db: Kysely<DB>, input: StoreInput): Promise<{ id: number; stored?: Omit<IncomingEmail, 'raw'> }> {
  const inserted = await db.insertInto('incoming_emails').values({
    source: input.source, source_ref: input.sourceRef ?? null, raw: input.raw, raw_sha256: input.rawSha256,
    envelope_recipients: (input.envelopeRecipients ?? []).map((r) => r.toLowerCase()), received_at: input.receivedAt,
    trace: JSON.stringify([{ step: 'store', decision: 'stored', detail: `${input.raw.length} bytes by ${input.source}${input.sourceRef ? ` (${input.sourceRef})` : ''}` }]),
    reason: null, error: null, message_id: null, destination: null, dedupe_key: null, from_address: null, subject: null,
    elided: null, user_id: null, topic_id: null, post_id: null, processed_at: null,
  }).onConflict((oc) => oc.columns(['source', 'source_ref']).where('source_ref', 'is not', null).doNothing()).returning(WITHOUT_RAW).executeTakeFirst();
  if (inserted) return { id: inserted.id, stored: inserted };
  const existing = await db.selectFrom('incoming_emails').select('id').where('source', '=', input.source).where('source_ref', '=', input.sourceRef!).executeTakeFirstOrThrow();
  return { id: existing.id };
}

/** bytea comes back as a Uint8Array from PGlite and a Buffer from pg: always hand out a Buffer. */
function withBuffer(row: IncomingEmail | undefined): IncomingEmail | undefined {
  if (row && !Buffer.isBuffer(row.raw)) row.raw = Buffer.from((row.raw as Uint8Array).buffer, (row.raw as Uint8Array).byteOffset, (row.raw as Uint8Array).byteLength);
  return row;
}

export const findIncoming = async (db: Kysely<DB>, id: number): Promise<IncomingEmail | undefined> =>
  withBuffer(await db.selectFrom('incoming_emails').selectAll().where('id', '=', id).executeTakeFirst());

const STATE = ['id', 'status', 'reason', 'error', 'topic_id', 'post_id'] as const;

/** Where a stored message stands. */
export type IncomingState = Pick<IncomingEmail, 'id' | 'status' | 'reason' | 'error' | 'topic_id' | 'post_id'>;

/** The row's state, locked for this transaction; undefined when another process is working on it. */
export const lockIncoming = (db: Kysely<DB>, id: number): Promise<IncomingState | undefined> =>
  db.selectFrom('incoming_emails').select(STATE).where('id', '=', id).forUpdate().skipLocked().executeTakeFirst();

/** An earlier decision about a message with the same Message-ID: a duplicate when its dedupe key is the same. */
export interface EarlierDecision { id: number; post_id: number | null; dedupe_key: string }

/**
 * The row's state, locked (undefined when another process is working on it), with what deciding
 * it asks of the database, read in the same round trip: the sender's facts and the decisions
 * already made about mail with the same Message-ID.
 */
export async function lockForDecision(db: Kysely<DB>, id: number, about: { sender: string | null; messageId: string }):
  Promise<{ state: IncomingState; sender: SenderFacts | null; earlier: EarlierDecision[] } | undefined> {
  const row = await db.selectFrom('incoming_emails').select(STATE)
    .select((eb) => jsonArrayFrom(eb.selectFrom('incoming_emails as earlier').select(['earlier.id', 'earlier.post_id', 'earlier.dedupe_key'])
      .where('earlier.message_id', '=', about.messageId).where('earlier.dedupe_key', 'is not', null)).as('earlier'))
    .$if(about.sender !== null, (q) => q.select(senderFactColumns(db, about.sender!)))
    .where('id', '=', id).forUpdate().skipLocked().executeTakeFirst();
  if (!row) return undefined;
  const state: IncomingState = { id: row.id, status: row.status, reason: row.reason, error: row.error, topic_id: row.topic_id, post_id: row.post_id };
  const sender = about.sender === null ? null : readSenderFacts({ sender_rules: row.sender_rules, sender_owner: row.sender_owner });
  return { state, sender, earlier: row.earlier as EarlierDecision[] };
}

const WITHOUT_RAW = ['id', 'source', 'source_ref', 'raw_sha256', 'envelope_recipients', 'received_at', 'status', 'reason', 'error', 'trace',
  'message_id', 'destination', 'dedupe_key', 'from_address', 'subject', 'spam', 'auto_generated', 'elided', 'user_id', 'topic_id', 'post_id', 'attempts', 'processed_at'] as const;

export interface Decision {
  status: IncomingStatus;
  reason: string | null;
  error?: string | null;
  trace: TraceStep[];
  messageId?: string | null;
  destination?: string | null;
  dedupeKey?: string | null;
  fromAddress?: string | null;
  subject?: string | null;
  spam?: boolean;
  autoGenerated?: boolean;
  elided?: string | null;
  userId?: number | null;
  topicId?: number | null;
  postId?: number | null;
  /** Record the Message-ID against the new post, so replies quoting it find the topic (not for one derived from the hash). */
  threadsBy?: boolean;
}

/** Records a decision; a created post's Message-ID is recorded in the same statement. */
export async function recordDecision(db: Kysely<DB>, id: number, d: Decision, now: Date): Promise<void> {
  const threads: QueryCreator<DB> = d.threadsBy && d.messageId && d.topicId && d.postId
    // The CTE adds a name only this statement uses; the update itself sees the same tables.
    ? (db.with('thread', (q) => q.insertInto('email_message_ids').values({ message_id: d.messageId!, topic_id: d.topicId!, post_id: d.postId!, direction: 'in' })
      .onConflict((oc) => oc.column('message_id').doNothing())) as unknown as QueryCreator<DB>)
    : db;
  await threads.updateTable('incoming_emails').set((eb) => ({
    status: d.status, reason: d.reason, error: d.error ?? null, trace: JSON.stringify(d.trace),
    message_id: d.messageId ?? null, destination: d.destination ?? null, dedupe_key: d.dedupeKey ?? null,
    from_address: d.fromAddress ?? null, subject: d.subject?.slice(0, 998) ?? null, spam: d.spam ?? false, auto_generated: d.autoGenerated ?? false,
    elided: d.elided ?? null, user_id: d.userId ?? null, topic_id: d.topicId ?? null, post_id: d.postId ?? null,
    attempts: eb('attempts', '+', 1), processed_at: now,
  })).where('id', '=', id).execute();
}

/** Messages stored but never decided (a crash between store and decision), oldest first. */
export const pendingIds = async (db: Kysely<DB>, olderThan: Date, limit: number): Promise<number[]> =>
  (await db.selectFrom('incoming_emails').select('id').where('status', '=', 'received').where('received_at', '<', olderThan).orderBy('id').limit(limit).execute()).map((r) => r.id);
