import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { definePlugin, escapeHtml, ParleyError, requireUser, sql, Type, type SqlBool, type Viewer } from '../../core/plugin-api.ts';
import { registerCollisionCheck } from './collision.ts';
import { assignTo, holdersOf, mayAssign, release, take, type AssignTables, type Ctx, type Holder } from './assign.ts';
import { registerBulkAssign } from './bulk.ts';

const SCRIPT = readFileSync(new URL('./assets/assign.js', import.meta.url), 'utf8');

/** The badge a holder shows as. */
const label = (h: Holder | undefined) => (h?.username ? `taken by ${h.username}` : h?.groupName ? `assigned to @${h.groupName}` : '');
const badge = (topicId: number, h: Holder | undefined) =>
  `<span data-assignment="${topicId}" data-holder="${escapeHtml(h?.username ?? '')}">${h ? `<span class="badge assign-badge" data-taken-by="${escapeHtml(h.username ?? '')}">${escapeHtml(label(h))}</span>` : ''}</span>`;

/**
 * assign: "Take" a group message so no one else answers it. Every member's open inbox and topic
 * page shows who took it within a second; a second "Take" gets a clear conflict; the holder
 * releases it, members hand it to a colleague or a group; the inbox lists what is assigned to me,
 * in the group, or to no one. Changes are small actions only the team sees.
 */
export default definePlugin<ReturnType<typeof Type.Object>, AssignTables>({
  name: 'assign',
  version: '1.0.0',
  description: 'Take a message so two people never answer the same mail; assign it to a colleague or a group.',
  dependsOn: ['group-inbox'],
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  register(rawCtx) {
    const ctx = rawCtx as unknown as Ctx;
    ctx.http.get('/assign/assign.js', { schema: { hide: true } }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT));
    ctx.web.outlet('head', (data) => (data.me ? '<script type="module" src="/assign/assign.js"></script>' : ''));
    registerBulkAssign(ctx);

    // What pages show: the holder of the topic on its page, the holders of a list's rows.
    ctx.hooks.onFilter('page-data', async (data, { view, viewer }) => {
      const topic = data.topic as { id?: number; archetype?: string } | undefined;
      if (view === 'topic' && topic?.id) {
        const holders = await holdersOf(ctx.db, [topic.id]);
        return { ...data, assignment: { holder: holders.get(topic.id) ?? null, canAssign: await mayAssign(ctx, viewer, { id: topic.id, archetype: topic.archetype as never }) } };
      }
      const topics = data.topics as Array<{ id: number }> | undefined;
      if (Array.isArray(topics) && topics.length) return { ...data, assignments: Object.fromEntries(await holdersOf(ctx.db, topics.map((x) => x.id))) };
      return data;
    });

    ctx.web.outlet('topic-header', (data) => {
      const a = data.assignment as { holder: Holder | null; canAssign: boolean } | undefined;
      const topic = data.topic as { id: number } | undefined;
      const me = data.me as { username: string } | null;
      if (!a || !topic || (!a.holder && !a.canAssign)) return '';
      const mine = a.holder?.username && a.holder.username === me?.username;
      const csrf = `<input type="hidden" name="_csrf" value="${escapeHtml(data.csrf)}">`;
      const controls = !a.canAssign ? '' : `<span class="assign-controls" data-assign-controls="${topic.id}" data-me="${escapeHtml(me?.username)}">
  <form method="post" action="/t/${topic.id}/assign/take" class="inline-form"${mine ? ' hidden' : ''} data-take>${csrf}<button type="submit">Take</button></form>
  <form method="post" action="/t/${topic.id}/assign/release" class="inline-form"${mine ? '' : ' hidden'} data-release>${csrf}<button type="submit">Release</button></form>
  <form method="post" action="/t/${topic.id}/assign/to" class="inline-form" data-assign-to>${csrf}<input type="text" name="to" placeholder="username or @group" aria-label="Assign to" size="14" required><button type="submit">Assign</button></form>
</span>`;
      return `<div class="assignment">${badge(topic.id, a.holder ?? undefined)}${controls}</div>`;
    });

    ctx.web.outlet('inbox-row', (data) => {
      const row = data.this as { id?: number } | undefined;
      if (!row?.id) return '';
      const holders = (data.assignments ?? {}) as Record<number, Holder>;
      return badge(row.id, holders[row.id]);
    });

    // The inbox's assignee pills, each with how many of the tab's messages it holds.
    ctx.hooks.onFilter('inbox-filter-sets', async (sets, { viewer, group, inTab }) => {
      const choices = [['me', 'Assigned to me'], ['group', 'Assigned in this group'], ['nobody', 'Unassigned']] as const;
      const row = await sql<Record<string, string>>`select ${sql.join(choices.map(([value]) =>
        sql`count(*) filter (where ${assignedCondition(value, viewer, String(group.id))}) as ${sql.ref(value)}`))}
        from topics where ${inTab}`.execute(ctx.db);
      const counts = row.rows[0] ?? {};
      return [...sets, { param: 'assigned', label: 'By assignee', choices: [
        { value: '', label: 'Everyone\'s' }, ...choices.map(([value, label]) => ({ value, label, count: Number(counts[value] ?? 0) })),
      ] }];
    });

    registerCollisionCheck(ctx);

    // Lists by assignee: `assigned=me|nobody|group|USERNAME` on any topic list (the group inbox passes it through).
    ctx.hooks.onFilter('topic-list-query', (conditions, { viewer, params }) => {
      const assigned = params.assigned;
      if (!assigned) return conditions;
      return [...conditions, () => assignedCondition(assigned, viewer, params.groupId)];
    });

    // Taking, releasing and assigning, in the browser (without scripts, too) and the API.
    const form = (action: (viewer: Viewer & { id: number }, topicId: number, body: Record<string, string>) => Promise<string>) =>
      async (req: import('../../core/plugin-api.ts').FastifyRequest<{ Params: { id: string }; Body: Record<string, string> }>, reply: import('../../core/plugin-api.ts').FastifyReply) => {
        const viewer = requireUser(req);
        const topicId = Number(req.params.id) || 0;
        try {
          ctx.web.flash(reply, 'notice', await action(viewer, topicId, req.body ?? {}));
        } catch (err) {
          if (!(err instanceof ParleyError) || err.statusCode === 404 || err.statusCode >= 500) throw err;
          ctx.web.flash(reply, 'error', err.message);
        }
        return reply.redirect(`/t/x/${topicId}`, 303);
      };
    const toTarget = (text: string) => (text.trim().startsWith('@') ? { group: text.trim().slice(1) } : { username: text.trim() });
    ctx.http.post('/t/:id/assign/take', { schema: { hide: true } }, form(async (v, id) => { await take(ctx, v, id); return 'You took this message.'; }));
    ctx.http.post('/t/:id/assign/release', { schema: { hide: true } }, form(async (v, id) => { await release(ctx, v, id); return 'Released back to the queue.'; }));
    ctx.http.post('/t/:id/assign/to', { schema: { hide: true } }, form(async (v, id, body) => `Assigned: ${label(await assignTo(ctx, v, id, toTarget(body.to ?? '')))}.`));

    const tags = ['assign'];
    const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
    const holderJson = (h: Holder | null) => ({ assignment: h && { username: h.username, group: h.groupName, at: h.at } });
    ctx.http.put<{ Params: { id: number } }>('/api/t/:id/assign/take', { schema: { tags, summary: 'Take the message (409 if someone else just did)', params: Id } },
      async (req) => holderJson(await take(ctx, requireUser(req), req.params.id)));
    ctx.http.put<{ Params: { id: number } }>('/api/t/:id/assign/release', { schema: { tags, summary: 'Release the message back to the queue', params: Id } },
      async (req) => { await release(ctx, requireUser(req), req.params.id); return holderJson(null); });
    ctx.http.put<{ Params: { id: number }; Body: { username?: string; group?: string } }>('/api/t/:id/assign', {
      schema: { tags, summary: 'Assign the message to a member of its team or to one of its groups', params: Id,
        body: Type.Object({ username: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })), group: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })) }) },
    }, async (req) => holderJson(await assignTo(ctx, requireUser(req), req.params.id, req.body)));
  },
});

/** A list condition on the holder; `group` means held by any member of the list's group, or by the group itself. */
function assignedCondition(assigned: string, viewer: Viewer, groupId: string | undefined) {
  const me = viewer.id ?? -1;
  if (assigned === 'me') return sql<SqlBool>`exists (select 1 from assign_assignments a where a.topic_id = topics.id and a.user_id = ${me})`;
  if (assigned === 'nobody') return sql<SqlBool>`not exists (select 1 from assign_assignments a where a.topic_id = topics.id)`;
  if (assigned === 'group') {
    const g = Number(groupId ?? -1);
    return sql<SqlBool>`exists (select 1 from assign_assignments a where a.topic_id = topics.id and (a.group_id = ${g}
      or a.user_id in (select gu.user_id from group_users gu where gu.group_id = ${g})))`;
  }
  return sql<SqlBool>`exists (select 1 from assign_assignments a join users u on u.id = a.user_id where a.topic_id = topics.id and u.username_lower = ${assigned.toLowerCase()})`;
}
