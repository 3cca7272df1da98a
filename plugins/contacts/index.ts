import { fileURLToPath } from 'node:url';
import { definePlugin, escapeHtml, type Type } from '../../core/plugin-api.ts';
import type { ContactsTables, Ctx } from './contacts.repo.ts';
import { customerOf, onTeam } from './contacts.ts';
import { carryOver } from './merge.ts';
import { registerRoutes } from './routes.ts';

/**
 * contacts: a page per customer, staged or not (`/contacts/ID`), for staff and the support team:
 * every address, their messages in the groups the viewer can see, case notes in Markdown only
 * the team reads, and merging addresses into one contact (through core: staged accounts by
 * mergeStaged, new addresses by addEmail). The sender's name in the group inbox, and the
 * customer's on a group message, link to it.
 */
export default definePlugin<ReturnType<typeof Type.Object>, ContactsTables>({
  name: 'contacts',
  version: '1.0.0',
  description: 'A page per customer: their messages in the groups you can see, staff case notes, merged addresses.',
  dependsOn: ['group-inbox'],
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  register(rawCtx) {
    const ctx = rawCtx as unknown as Ctx;
    registerRoutes(ctx);

    // A staged account merged into another, here or by Admin → Users → Merge: its case notes and
    // history follow it, inside core's merge.
    ctx.hooks.onFilter('user-merge', carryOver);

    // The team's links to contact pages: the sender in the group inbox, the customer on a group message.
    ctx.hooks.onFilter('page-data', async (data, { view, viewer }) => {
      if (view === 'group-inbox/inbox') return (await onTeam(ctx, viewer)) ? { ...data, contactBase: '/contacts/' } : data;
      const topic = data.topic as { id?: number; archetype?: string } | undefined;
      if (view !== 'topic' || topic?.archetype !== 'private_message' || !topic.id || !(await onTeam(ctx, viewer))) return data;
      const customer = await customerOf(ctx, topic.id);
      return customer ? { ...data, contactsCustomer: customer } : data;
    });
    ctx.web.outlet('topic-header', (data) => {
      const customer = data.contactsCustomer as { id: number; username: string; name: string } | undefined;
      if (!customer) return '';
      return `<p class="contact-link">Customer: <a href="/contacts/${customer.id}" data-contact-link>${escapeHtml(customer.name || customer.username)}</a> <span class="muted">@${escapeHtml(customer.username)}</span></p>`;
    });
  },
});
