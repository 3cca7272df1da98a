import type { FastifyInstance } from 'fastify';
import type { Core } from '../core.ts';
import { audienceAllows } from '../posts/mentions.ts';
import { renderPage } from '../web/render.ts';

type Q = Record<string, string | undefined>;

/** The groups a visitor may see, and one group's page with its members. Hidden groups are not found. */
export async function groupPages(app: FastifyInstance, core: Core): Promise<void> {
  const { groups } = core.services;

  app.get('/groups', { schema: { hide: true } }, async (req, reply) =>
    renderPage(core, req, reply, 'groups', { title: 'Groups', groups: await groups.list(req.viewer) }));

  app.get<{ Params: { name: string }; Querystring: Q }>('/g/:name', { schema: { hide: true } }, async (req, reply) => {
    const page = Math.max(0, Math.min(10_000, Math.floor(Number(req.query.page ?? 0)) || 0));
    const group = await groups.get(req.viewer, req.params.name);
    const { members, total: count, pageSize } = await groups.members(req.viewer, group.name, page);
    const total = count ?? 0;
    const member = req.viewer.groupIds.includes(group.id);
    const canMessage = req.viewer.id !== null && audienceAllows(group.messageable, req.viewer, group.id);
    return renderPage(core, req, reply, 'group', {
      title: group.full_name || group.name, group, members, total, page, member,
      more: (page + 1) * pageSize < total,
      messageHref: canMessage ? `/new-message?group=${encodeURIComponent(group.name)}` : null,
      inboxHref: member && req.user ? `/u/${encodeURIComponent(req.user.username)}/messages/group/${encodeURIComponent(group.name)}` : null,
    });
  });
}
