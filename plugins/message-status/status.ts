// A group message's status: open, pending (waiting for the customer) or solved, with the closing
// note a solve needs. Only the message's team (members of its groups) and staff see or change it;
// to anyone else it does not exist. A customer's reply opens it again.
import { badInput, isStaff, notFound, onMessageTeam, PostType, sql, Type, type Generated, type Kysely, type PluginContext, type Post, type RawBuilder, type SqlBool, type Static, type Topic, type User, type Viewer } from '../../core/plugin-api.ts';

export const STATUSES = ['open', 'pending', 'solved'] as const;
export type Status = typeof STATUSES[number];
export const isStatus = (value: unknown): value is Status => STATUSES.includes(value as Status);

export const MessageStatusSettings = Type.Object({
  closingActions: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), {
    default: ['Phone call', 'Information sent', 'Booking made', 'Refund issued', 'Fixed', 'No action needed'], minItems: 1, maxItems: 40,
    title: 'Closing actions', description: 'What a member may say they did when they mark a message solved (comma-separated).',
  }),
  requireNote: Type.Boolean({ default: true, title: 'Closing note text required', description: 'A solve needs a few words on what was done, besides the action.' }),
  warnAfterMinutes: Type.Integer({ minimum: 1, maximum: 525_600, default: 240, title: 'Waiting: amber after (minutes)', description: 'An open message whose customer has waited this long since their last message shows amber.' }),
  lateAfterMinutes: Type.Integer({ minimum: 1, maximum: 525_600, default: 1440, title: 'Waiting: red after (minutes)', description: 'And red after this long.' }),
});
export type MessageStatusSettings = Static<typeof MessageStatusSettings>;

export interface MessageStatusTables {
  message_status_states: { topic_id: number; status: Status; changed_by: number | null; changed_at: Date };
  message_status_closing_notes: { id: Generated<number>; topic_id: number; handled_by: number | null; written_by: number | null; action: string; note: string; created_at: Date };
}
export type Ctx = PluginContext<MessageStatusSettings, MessageStatusTables>;

/** How long the customer has waited: under the amber threshold, past it, past the red one. */
export type WaitLevel = 'fresh' | 'warn' | 'late';

export interface ClosingNote { action: string; note: string; handledBy: string | null; writtenBy: string | null; at: Date }

export interface MessageState {
  topicId: number;
  status: Status;
  changedAt: Date | null;
  changedBy: string | null;
  /** The latest closing note, while the message is solved. */
  closingNote: ClosingNote | null;
  /** When the customer last wrote (null: no customer post). */
  customerLastPostAt: Date | null;
  /** Colour of an open message by the customer's wait; null for pending and solved ones. */
  wait: WaitLevel | null;
  waitingMinutes: number | null;
}

export interface StatusChange { status: Status; action?: string; note?: string; handledBy?: string }

/** The groups a message is addressed to. */
export async function groupsOfTopic(db: Kysely<any>, topicId: number): Promise<number[]> {
  const rows = await db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topicId).orderBy('group_id').execute();
  return rows.map((r: { group_id: number }) => r.group_id);
}

/** How many messages have each status, among those `inTab` holds (a group inbox tab's condition over `topics`). */
export async function statusCounts(db: Kysely<any>, inTab: RawBuilder<SqlBool>): Promise<Record<Status, number>> {
  const rows = await sql<{ status: Status; n: string }>`select coalesce(ms.status, 'open') as status, count(*) as n
    from topics left join message_status_states ms on ms.topic_id = topics.id
    where ${inTab}
    group by 1`.execute(db);
  const counts: Record<Status, number> = { open: 0, pending: 0, solved: 0 };
  for (const r of rows.rows) counts[r.status] = Number(r.n);
  return counts;
}

/** Whether the viewer works this message: it is a group message, and they are staff or in one of its groups. */
export async function mayWork(db: Kysely<any>, viewer: Viewer, topic: Pick<Topic, 'id' | 'archetype'>): Promise<boolean> {
  if (viewer.id === null || topic.archetype !== 'private_message') return false;
  const groups = await groupsOfTopic(db, topic.id);
  return groups.length > 0 && (isStaff(viewer) || groups.some((g) => viewer.groupIds.includes(g)));
}

/** The message, if the viewer works it; to anyone else it is not found (a private message's existence is private). */
export async function workable(ctx: Ctx, viewer: Viewer, topicId: number): Promise<Topic> {
  const topic = Number.isInteger(topicId) && topicId > 0 ? await ctx.db.selectFrom('topics').selectAll().where('id', '=', topicId).executeTakeFirst() : undefined;
  if (!topic || !(await mayWork(ctx.db, viewer, topic as unknown as Topic)) || !(await ctx.guardian.canSeeTopic(ctx.db as never, viewer, topicId))) throw notFound('That message');
  return topic as unknown as Topic;
}

/** The wait level of `minutes`, by the thresholds in the settings. */
export function waitLevel(minutes: number, settings: Pick<MessageStatusSettings, 'warnAfterMinutes' | 'lateAfterMinutes'>): WaitLevel {
  const late = Math.max(settings.lateAfterMinutes, settings.warnAfterMinutes);
  return minutes >= late ? 'late' : minutes >= settings.warnAfterMinutes ? 'warn' : 'fresh';
}

/**
 * When the customer last wrote in each message: the newest regular post by someone who is neither
 * staff nor a member of any of the message's groups (usually the staged account of the sender).
 */
async function customerLastPosts(db: Kysely<any>, topicIds: number[]): Promise<Map<number, Date>> {
  const rows = await sql<{ topic_id: number; at: Date }>`
    select p.topic_id, max(p.created_at) as at from posts p join users u on u.id = p.user_id
    where p.topic_id = any(${topicIds}::int[]) and p.deleted_at is null and p.post_type = ${PostType.regular} and p.action_code is null
      and not ${onMessageTeam(sql.ref('p.user_id'), sql.ref('p.topic_id'))}
    group by p.topic_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.topic_id, new Date(r.at)]));
}

/** The state of each of these messages (those without a row are open), by topic id. Callers pass only messages the viewer works. */
export async function statesOf(ctx: Ctx, topicIds: number[]): Promise<Map<number, MessageState>> {
  const ids = [...new Set(topicIds)];
  if (ids.length === 0) return new Map();
  const [states, notes, customer] = await Promise.all([
    sql<{ topic_id: number; status: Status; changed_at: Date; username: string | null }>`
      select s.topic_id, s.status, s.changed_at, u.username from message_status_states s left join users u on u.id = s.changed_by
      where s.topic_id = any(${ids}::int[])`.execute(ctx.db),
    sql<{ topic_id: number; action: string; note: string; created_at: Date; handled: string | null; written: string | null }>`
      select distinct on (n.topic_id) n.topic_id, n.action, n.note, n.created_at, h.username as handled, w.username as written
      from message_status_closing_notes n left join users h on h.id = n.handled_by left join users w on w.id = n.written_by
      where n.topic_id = any(${ids}::int[]) order by n.topic_id, n.id desc`.execute(ctx.db),
    customerLastPosts(ctx.db, ids),
  ]);
  const byTopic = new Map(states.rows.map((r) => [r.topic_id, r]));
  const noteOf = new Map(notes.rows.map((r) => [r.topic_id, { action: r.action, note: r.note, handledBy: r.handled, writtenBy: r.written, at: new Date(r.created_at) }]));
  const now = ctx.now().getTime();
  const settings = ctx.settings.get();
  return new Map(ids.map((id) => {
    const row = byTopic.get(id);
    const status = row?.status ?? 'open';
    const since = customer.get(id) ?? null;
    const minutes = status === 'open' && since ? Math.max(0, Math.floor((now - since.getTime()) / 60_000)) : null;
    return [id, {
      topicId: id, status, changedAt: row ? new Date(row.changed_at) : null, changedBy: row?.username ?? null,
      closingNote: status === 'solved' ? noteOf.get(id) ?? null : null,
      customerLastPostAt: since, wait: minutes === null ? null : waitLevel(minutes, settings), waitingMinutes: minutes,
    }];
  }));
}

/** The topics of `topicIds` that the viewer works (a list's rows): staff see all group messages, members their groups'. */
export async function workedAmong(db: Kysely<any>, viewer: Viewer, topicIds: number[]): Promise<number[]> {
  if (viewer.id === null || topicIds.length === 0) return [];
  const mine = viewer.groupIds.filter((g) => g !== 0);
  const rows = await sql<{ topic_id: number }>`
    select distinct tag.topic_id from topic_allowed_groups tag join topics t on t.id = tag.topic_id
    where tag.topic_id = any(${topicIds}::int[]) and t.archetype = 'private_message'
      and (${sql.lit(isStaff(viewer))} or tag.group_id = any(${mine}::int[]))`.execute(db);
  return rows.rows.map((r) => r.topic_id);
}

/** The closing note of a solve, checked against the settings: an action from the list, and the text when required. */
export function closingNoteOf(settings: MessageStatusSettings, input: StatusChange): { action: string; note: string } {
  const wanted = (input.action ?? '').trim().toLowerCase();
  const action = settings.closingActions.find((a) => a.toLowerCase() === wanted);
  if (!action) throw badInput(`Choose the action taken: ${settings.closingActions.join(', ')}.`, { field: 'action' });
  const note = (input.note ?? '').trim();
  if (settings.requireNote && note.length < 2) throw badInput('Write a closing note: a few words on what was done.', { field: 'note' });
  if (note.length > 2000) throw badInput('The closing note is at most 2000 characters.', { field: 'note' });
  return { action, note };
}

/** Who handled it: by default the one closing it, else a member of the message's team. */
async function handler(ctx: Ctx, viewer: Viewer & { id: number }, topic: Topic, username: string | undefined): Promise<User | null> {
  const name = (username ?? '').trim().replace(/^@/, '');
  if (!name || name.toLowerCase() === viewer.username?.toLowerCase()) return null;
  const user = await ctx.forum.users.findByUsername(name);
  if (!user || user.staged || !(await mayWork(ctx.db, await ctx.forum.users.viewerFor(user), topic))) {
    throw badInput(`${name} is not on this message's team; say who handled it, or leave it to be you.`, { field: 'handledBy' });
  }
  return user;
}

/**
 * Sets the message's status. Setting the status it has is a no-op (`changed: false`, no small
 * action); of two people changing it at once, each change is recorded once. A solve records a
 * closing note. Each change is a small action only the team sees, and a live event.
 */
export async function changeStatus(ctx: Ctx, viewer: Viewer & { id: number }, topicId: number, input: StatusChange): Promise<{ changed: boolean; state: MessageState }> {
  if (!isStatus(input.status)) throw badInput('The status is open, pending or solved.', { field: 'status' });
  const topic = await workable(ctx, viewer, topicId);
  const closing = input.status === 'solved' ? closingNoteOf(ctx.settings.get(), input) : null;
  const handledBy = closing ? await handler(ctx, viewer, topic, input.handledBy) : null;
  const now = ctx.now();
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const done = await writeStatus(trx, topicId, input.status, viewer.id, now);
    if (done && closing) {
      await trx.insertInto('message_status_closing_notes').values({ topic_id: topicId, handled_by: handledBy?.id ?? viewer.id, written_by: viewer.id, action: closing.action, note: closing.note, created_at: now }).execute();
    }
    return done;
  });
  if (changed) {
    const text = input.status === 'open' ? 'reopened this message'
      : input.status === 'pending' ? 'set this message to pending: waiting for the customer'
        : `marked this message solved: ${closing!.action}${handledBy ? `, handled by ${handledBy.username}` : ''}${closing!.note ? `. ${closing!.note}` : ''}`;
    await ctx.forum.posts.addSmallAction(viewer, topicId, { actionCode: `message-status.${input.status}`, text, staffOnly: true });
    await announce(ctx, topicId, input.status, viewer.id);
  }
  return { changed, state: (await statesOf(ctx, [topicId])).get(topicId)! };
}

/** Writes the status if it differs from the current one; whether it did. No row means open. */
async function writeStatus(db: Kysely<any>, topicId: number, status: Status, by: number | null, at: Date): Promise<boolean> {
  if (status === 'open') {
    const row = await db.updateTable('message_status_states').set({ status, changed_by: by, changed_at: at })
      .where('topic_id', '=', topicId).where('status', '!=', 'open').returning('topic_id').executeTakeFirst();
    return row !== undefined;
  }
  const row = await db.insertInto('message_status_states').values({ topic_id: topicId, status, changed_by: by, changed_at: at })
    .onConflict((oc) => oc.column('topic_id').doUpdateSet({ status, changed_by: by, changed_at: at }).where('message_status_states.status', '!=', status))
    .returning('topic_id').executeTakeFirst();
  return row !== undefined;
}

/** A customer's reply reopens a pending or solved message, recorded as a small action under their name (only the team sees it). */
export async function reopenOnCustomerReply(ctx: Ctx, topic: Topic, post: Post): Promise<boolean> {
  if (topic.archetype !== 'private_message' || post.post_type !== PostType.regular || post.action_code || post.user_id === null) return false;
  const author = await ctx.forum.users.findById(post.user_id);
  if (!author || author.admin || author.moderator) return false;
  const groups = await groupsOfTopic(ctx.db, topic.id);
  const viewer = await ctx.forum.users.viewerFor(author);
  if (groups.length === 0 || groups.some((g) => viewer.groupIds.includes(g))) return false;
  if (!(await writeStatus(ctx.db, topic.id, 'open', author.id, ctx.now()))) return false;
  await ctx.forum.posts.addSmallAction(viewer, topic.id, { actionCode: 'message-status.reopened', text: 'replied, so the message is open again', staffOnly: true });
  await announce(ctx, topic.id, 'open', author.id);
  return true;
}

/**
 * Tells every open page of the team: the topic page (`/topic/ID`) and the inbox lists
 * (`/lists/…`, which fetch themselves again). Addressed to the message's groups and to staff, so
 * the customer's browser never hears of a status.
 */
async function announce(ctx: Ctx, topicId: number, status: Status, byUserId: number): Promise<void> {
  const [groupIds, staff] = await Promise.all([
    groupsOfTopic(ctx.db, topicId),
    ctx.db.selectFrom('users').select('id').where((eb) => eb.or([eb('admin', '=', true), eb('moderator', '=', true)])).execute(),
  ]);
  const state = (await statesOf(ctx, [topicId])).get(topicId)!;
  const payload = { type: 'message-status', topicId, status, byUserId, wait: state.wait, customerLastPostAt: state.customerLastPostAt };
  const audience = { topicId, groupIds, userIds: staff.map((u) => u.id) };
  await ctx.realtime.publish(`/topic/${topicId}`, payload, audience);
  await ctx.realtime.publish(`/lists/message-status/${topicId}`, payload, audience);
}
