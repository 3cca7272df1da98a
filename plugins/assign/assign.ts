// Taking a message: one holder per message (a member, or a group), taken atomically so two people
// never answer the same mail, released back to the queue, or handed to someone else. Each change
// is a small action only the team sees, and a live event every open page hears.
import { badInput, forbidden, isStaff, notFound, parleyError, sql, type Generated, type Kysely, type PluginContext, type Topic, type Viewer } from '../../core/plugin-api.ts';

export interface AssignTables {
  assign_assignments: { topic_id: number; user_id: number | null; group_id: number | null; assigned_by: number | null; assigned_at: Generated<Date> };
}
export type Ctx = PluginContext<Record<string, never>, AssignTables>;

export interface Holder { topicId: number; userId: number | null; username: string | null; groupId: number | null; groupName: string | null; at: Date }

/** Who holds these topics, by topic id. */
export async function holdersOf(db: Kysely<any>, topicIds: number[]): Promise<Map<number, Holder>> {
  if (topicIds.length === 0) return new Map();
  const rows = await sql<{ topic_id: number; user_id: number | null; username: string | null; group_id: number | null; group_name: string | null; assigned_at: Date }>`
    select a.topic_id, a.user_id, u.username, a.group_id, g.name as group_name, a.assigned_at
    from assign_assignments a left join users u on u.id = a.user_id left join groups g on g.id = a.group_id
    where a.topic_id = any(${topicIds}::int[])`.execute(db);
  return new Map(rows.rows.map((r) => [r.topic_id, { topicId: r.topic_id, userId: r.user_id, username: r.username, groupId: r.group_id, groupName: r.group_name, at: r.assigned_at }]));
}

/** The groups of a message that the viewer belongs to (the team that works it). */
async function teamGroups(ctx: Ctx, viewer: Viewer, topicId: number): Promise<number[]> {
  const mine = viewer.groupIds.filter((g) => g !== 0);
  if (mine.length === 0) return [];
  const rows = await ctx.db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topicId).where('group_id', 'in', mine).execute();
  return rows.map((r) => r.group_id);
}

/** Staff, or a member of one of the message's groups: who may take, release and assign it. */
export async function mayAssign(ctx: Ctx, viewer: Viewer, topic: Pick<Topic, 'id' | 'archetype'>): Promise<boolean> {
  if (viewer.id === null) return false;
  if (isStaff(viewer)) return true;
  return topic.archetype === 'private_message' && (await teamGroups(ctx, viewer, topic.id)).length > 0;
}

async function topicFor(ctx: Ctx, viewer: Viewer & { id: number }, topicId: number): Promise<Topic> {
  await ctx.guardian.ensureCanSeeTopic(ctx.db as never, viewer, topicId);
  const topic = await ctx.db.selectFrom('topics').selectAll().where('id', '=', topicId).executeTakeFirst();
  if (!topic) throw notFound('That message');
  if (!(await mayAssign(ctx, viewer, topic))) throw forbidden('Only the team of this message (or staff) can take or assign it.');
  return topic as unknown as Topic;
}

async function announce(ctx: Ctx, actor: Viewer & { id: number }, topicId: number, text: string, actionCode: string): Promise<Holder | null> {
  await ctx.forum.posts.addSmallAction(actor, topicId, { actionCode, text, staffOnly: true });
  const holder = (await holdersOf(ctx.db, [topicId])).get(topicId) ?? null;
  const payload = { type: 'assigned', topicId, username: holder?.username ?? null, groupName: holder?.groupName ?? null, byUserId: actor.id };
  await ctx.realtime.publish(`/topic/${topicId}`, payload, { topicId });
  await ctx.realtime.publish(`/lists/assign/${topicId}`, payload, { topicId });
  return holder;
}

/**
 * Takes the message for the viewer: atomically, so of two people who click at once one wins and
 * the other hears who did. Taking what you already hold is a no-op.
 */
export async function take(ctx: Ctx, viewer: Viewer & { id: number }, topicId: number): Promise<Holder> {
  await topicFor(ctx, viewer, topicId);
  const now = ctx.now();
  const won = await ctx.db.insertInto('assign_assignments').values({ topic_id: topicId, user_id: viewer.id, group_id: null, assigned_by: viewer.id, assigned_at: now })
    .onConflict((oc) => oc.column('topic_id').doUpdateSet({ user_id: viewer.id, group_id: null, assigned_by: viewer.id, assigned_at: now })
      // A message held by a group (not a person) is still in that group's queue: anyone may take it.
      .where('assign_assignments.user_id', 'is', null))
    .returning('topic_id').executeTakeFirst();
  if (!won) {
    const holder = (await holdersOf(ctx.db, [topicId])).get(topicId);
    if (holder?.userId === viewer.id) return holder;
    throw parleyError('CONFLICT', `${holder?.username ?? 'Someone'} has just taken this message.`, { details: { takenBy: holder?.username ?? null } });
  }
  return (await announce(ctx, viewer, topicId, 'took this message', 'assign.taken'))!;
}

/** The holder (or staff) gives the message back to the queue. */
export async function release(ctx: Ctx, viewer: Viewer & { id: number }, topicId: number): Promise<void> {
  await topicFor(ctx, viewer, topicId);
  const holder = (await holdersOf(ctx.db, [topicId])).get(topicId);
  if (!holder) return;
  if (holder.userId !== viewer.id && !isStaff(viewer) && holder.groupId === null) throw forbidden(`${holder.username} holds this message; only they or staff can release it.`);
  await ctx.db.deleteFrom('assign_assignments').where('topic_id', '=', topicId).execute();
  await announce(ctx, viewer, topicId, holder.userId === viewer.id ? 'released this message back to the queue' : `released this message from ${holder.username ?? `@${holder.groupName}`}`, 'assign.released');
}

/** Hands the message to a member of its team, or to one of its groups. */
export async function assignTo(ctx: Ctx, viewer: Viewer & { id: number }, topicId: number, to: { username?: string; group?: string }): Promise<Holder> {
  const topic = await topicFor(ctx, viewer, topicId);
  let values: { user_id: number | null; group_id: number | null };
  let text: string;
  if (to.username) {
    const user = await ctx.forum.users.findByUsername(to.username);
    if (!user || user.staged) throw notFound(`A user called ${to.username}`);
    const theirs = await ctx.forum.users.viewerFor(user);
    if (!(await mayAssign(ctx, theirs, topic))) throw badInput(`${user.username} is not on this message's team, so they cannot take it.`, { field: 'username' });
    values = { user_id: user.id, group_id: null };
    text = user.id === viewer.id ? 'took this message' : `assigned this message to @${user.username}`;
  } else if (to.group) {
    const group = await ctx.db.selectFrom('groups').select(['id', 'name']).where('name_lower', '=', to.group.toLowerCase()).executeTakeFirst();
    const onTopic = group && (await ctx.db.selectFrom('topic_allowed_groups').select('group_id').where('topic_id', '=', topicId).where('group_id', '=', group.id).executeTakeFirst());
    if (!group || !onTopic) throw badInput(`The group ${to.group} is not on this message.`, { field: 'group' });
    values = { user_id: null, group_id: group.id };
    text = `assigned this message to @${group.name}`;
  } else {
    throw badInput('Say whom to assign it to: a username or a group.');
  }
  const now = ctx.now();
  await ctx.db.insertInto('assign_assignments').values({ topic_id: topicId, ...values, assigned_by: viewer.id, assigned_at: now })
    .onConflict((oc) => oc.column('topic_id').doUpdateSet({ ...values, assigned_by: viewer.id, assigned_at: now })).execute();
  return (await announce(ctx, viewer, topicId, text, 'assign.assigned'))!;
}
