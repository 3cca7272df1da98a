// The plugin's tables and its queries: a group's acknowledgement settings, one decision per
// message, and the token bucket of each recipient address.
import { PostType, sql, type Generated, type PluginContext } from '../../core/plugin-api.ts';

export type AutoReplyState = 'pending' | 'sent' | 'skipped';

export interface AutoReplyTables {
  auto_reply_settings: {
    group_id: number;
    enabled: Generated<boolean>;
    delay_minutes: Generated<number>;
    subject: string;
    body: string;
    per_address_per_hour: Generated<number>;
    updated_by: number | null;
    updated_at: Generated<Date>;
  };
  auto_reply_messages: {
    topic_id: number;
    group_id: number | null;
    post_id: number | null;
    incoming_email_id: number | null;
    customer_id: number | null;
    address: string | null;
    state: AutoReplyState;
    /** Why it was not sent (a key of REASONS), null while due and once sent. */
    reason: string | null;
    detail: string | null;
    due_at: Date;
    decided_at: Date | null;
    created_at: Date;
  };
  auto_reply_buckets: { address_lower: string; tokens: number; updated_at: Date };
}

export type Ctx = PluginContext<Record<string, never>, AutoReplyTables>;
export type Db = Ctx['db'];
export type Decision = AutoReplyTables['auto_reply_messages'];

/** A group's acknowledgement, as admins set it (defaults where a group never saved one). */
export interface GroupAutoReply {
  groupId: number;
  enabled: boolean;
  delayMinutes: number;
  subject: string;
  body: string;
  perAddressPerHour: number;
}

export const DEFAULTS = {
  enabled: false,
  delayMinutes: 60,
  subject: 'Re: {{subject}}',
  body: [
    'Hello {{customer_name}},',
    '',
    'thank you for writing to {{group_name}}. This is an automatic acknowledgement: your message "{{subject}}" has reached us, and someone will answer it as soon as they can.',
    '',
    'If there is anything to add, reply to this mail.',
    '',
    '{{group_name}}',
  ].join('\n'),
  perAddressPerHour: 3,
};

export async function settingsOf(db: Db, groupId: number): Promise<GroupAutoReply> {
  const row = await db.selectFrom('auto_reply_settings').selectAll().where('group_id', '=', groupId).executeTakeFirst();
  if (!row) return { groupId, ...DEFAULTS };
  return { groupId, enabled: row.enabled, delayMinutes: row.delay_minutes, subject: row.subject, body: row.body, perAddressPerHour: row.per_address_per_hour };
}

export async function saveSettings(db: Db, s: GroupAutoReply, by: number, now: Date): Promise<void> {
  const values = { enabled: s.enabled, delay_minutes: s.delayMinutes, subject: s.subject, body: s.body, per_address_per_hour: s.perAddressPerHour, updated_by: by, updated_at: now };
  await db.insertInto('auto_reply_settings').values({ group_id: s.groupId, ...values })
    .onConflict((oc) => oc.column('group_id').doUpdateSet(values)).execute();
}

/** The groups of a message, in order, with whether each acknowledges mail. */
export async function groupsOfTopic(db: Db, topicId: number): Promise<Array<{ groupId: number; enabled: boolean }>> {
  const rows = await db.selectFrom('topic_allowed_groups').leftJoin('auto_reply_settings as s', 's.group_id', 'topic_allowed_groups.group_id')
    .select(['topic_allowed_groups.group_id', 's.enabled']).where('topic_allowed_groups.topic_id', '=', topicId)
    .orderBy('topic_allowed_groups.group_id').execute();
  return rows.map((r) => ({ groupId: r.group_id, enabled: r.enabled ?? false }));
}

/** The received mail a post was made from, with what the pipeline learnt about it. */
export async function incomingOf(db: Db, postId: number) {
  return db.selectFrom('incoming_emails')
    .select(['id', 'from_address', 'subject', 'auto_generated', 'spam'])
    .where('post_id', '=', postId).orderBy('id').limit(1).executeTakeFirst();
}

/** The Message-ID the customer's mail arrived with (none when Parley had to derive one). */
export async function customerMessageId(db: Db, postId: number): Promise<string | null> {
  const row = await db.selectFrom('email_message_ids').select('message_id').where('post_id', '=', postId).where('direction', '=', 'in')
    .orderBy('created_at').limit(1).executeTakeFirst();
  return row?.message_id ?? null;
}

/** Records the message's decision once; a second `message-created` for it changes nothing. */
export async function insertDecision(db: Db, row: Decision): Promise<boolean> {
  const inserted = await db.insertInto('auto_reply_messages').values(row).onConflict((oc) => oc.column('topic_id').doNothing())
    .returning('topic_id').executeTakeFirst();
  return inserted !== undefined;
}

export async function decisionOf(db: Db, topicId: number) {
  return db.selectFrom('auto_reply_messages').selectAll().where('topic_id', '=', topicId).executeTakeFirst();
}

/** The due decision, locked for this transaction: of two processes deciding it, the second waits, then finds it decided. */
export async function lockPending(db: Db, topicId: number) {
  return db.selectFrom('auto_reply_messages').selectAll().where('topic_id', '=', topicId).where('state', '=', 'pending').forUpdate().executeTakeFirst();
}

/** Settles a due decision; false when another run settled it first. */
export async function settle(db: Db, topicId: number, state: Exclude<AutoReplyState, 'pending'>, reason: string | null, detail: string | null, now: Date): Promise<boolean> {
  const result = await db.updateTable('auto_reply_messages').set({ state, reason, detail, decided_at: now })
    .where('topic_id', '=', topicId).where('state', '=', 'pending').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Due decisions whose time has come (their job may have been lost), oldest first. */
export async function dueTopicIds(db: Db, now: Date, limit: number): Promise<number[]> {
  const rows = await db.selectFrom('auto_reply_messages').select('topic_id').where('state', '=', 'pending').where('due_at', '<=', now)
    .orderBy('due_at').limit(limit).execute();
  return rows.map((r) => r.topic_id);
}

/** The first post of the message the customer can see that someone else wrote: the answer, if any. */
export async function firstAnswer(ctx: Ctx, db: Db, topicId: number, customerId: number) {
  const customer = await ctx.forum.users.findById(customerId, db as never);
  if (!customer) return undefined;
  const visible = await ctx.guardian.postPredicate(await ctx.forum.users.viewerFor(customer, db as never));
  return db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').leftJoin('users', 'users.id', 'posts.user_id')
    .select(['posts.post_number', 'posts.created_at', 'users.username'])
    .where('posts.topic_id', '=', topicId).where('posts.post_number', '>', 1)
    .where('posts.post_type', '=', PostType.regular).where('posts.deleted_at', 'is', null)
    .where((eb) => eb.or([eb('posts.user_id', 'is', null), eb('posts.user_id', '!=', customerId)]))
    .where(visible as never)
    .orderBy('posts.post_number').limit(1).executeTakeFirst();
}

/** Whether a group moved the message to its Spam (group-inbox's table; read, never written). */
export async function markedSpam(db: Db, topicId: number): Promise<boolean> {
  const { rows } = await sql`SELECT 1 FROM group_inbox_spam WHERE topic_id = ${topicId} LIMIT 1`.execute(db);
  return rows.length > 0;
}

/** Why Parley stopped mailing an address (it bounced), if it did. */
export async function suppressedReason(db: Db, address: string): Promise<string | null | undefined> {
  const row = await db.selectFrom('email_address_states').select('suppressed_reason').where('address_lower', '=', address.toLowerCase())
    .where('suppressed_at', 'is not', null).executeTakeFirst();
  return row ? row.suppressed_reason ?? 'it bounced' : undefined;
}

/**
 * Takes one acknowledgement from the address's bucket: it holds `perHour` at most and refills at
 * `perHour` an hour, by `now` (never backwards). False, with nothing taken, when it is empty.
 */
export async function takeToken(db: Db, address: string, perHour: number, now: Date): Promise<boolean> {
  const refilled = sql<number>`least(${perHour}::float8, b.tokens + greatest(0, extract(epoch FROM (${now}::timestamptz - b.updated_at)))::float8 / 3600 * ${perHour}::float8)`;
  const result = await sql<{ tokens: number }>`
    INSERT INTO auto_reply_buckets AS b (address_lower, tokens, updated_at) VALUES (${address.toLowerCase()}, ${perHour - 1}::float8, ${now}::timestamptz)
    ON CONFLICT (address_lower) DO UPDATE SET tokens = ${refilled} - 1, updated_at = greatest(b.updated_at, ${now}::timestamptz)
    WHERE ${refilled} >= 1
    RETURNING tokens`.execute(db);
  return result.rows.length > 0;
}

/** The groups the viewer may set the acknowledgement of: admins any, owners their own. */
export async function isOwner(db: Db, groupId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('group_users').select('owner').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
  return row?.owner === true;
}
