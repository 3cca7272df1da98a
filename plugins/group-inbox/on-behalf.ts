// "New message for a customer": a team member takes a phone call (or a visit) and opens the
// message as the customer's own, by their address: it is theirs (its author and participant, so
// replies mail them), and a staff-only small action says who opened it and how it came in. An
// address nobody owns gets an account through `stage-address` (the staged-accounts plugin).
import { badInput, escapeHtml, ParleyError, requireUser, Type, type FastifyReply, type FastifyRequest, type PluginContext, type Topic, type Viewer } from '../../core/plugin-api.ts';
import type { InboxGroupOf } from './actions.ts';
import * as repo from './inbox.repo.ts';
import type { InboxDb } from './inbox.repo.ts';

type Ctx = PluginContext<{ quotedPosts: number }, repo.GroupInboxTables>;
type Member = Viewer & { id: number };

export const CHANNELS = { phone: 'by phone', in_person: 'in person', chat: 'by chat', other: 'another way' } as const;
export type Channel = keyof typeof CHANNELS;

/** What a team member enters: the customer (address, optional name), the subject, what they said, and how. */
export interface OnBehalfInput { email: string; name: string; title: string; raw: string; channel: Channel; assignToMe: boolean }

/** Checks the form or API body, saying what to fix; the checks the post would make come first, so a refused message never makes an account. */
export function onBehalfInput(body: Record<string, unknown>): OnBehalfInput {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const email = text(body.email).trim().toLowerCase();
  if (!email) throw badInput('Enter the customer\'s email address.', { field: 'email' });
  if (!repo.validAddress(email)) throw badInput(`"${email}" is not an email address: it looks like name@example.com.`, { field: 'email' });
  const name = text(body.name).replace(/\s+/g, ' ').trim();
  if (name.length > 100) throw badInput('The customer\'s name can be at most 100 characters.', { field: 'name' });
  const title = text(body.title).replace(/\s+/g, ' ').trim();
  if (title.length < 3) throw badInput('Give the message a subject of at least 3 characters.', { field: 'title' });
  if (title.length > 255) throw badInput('The subject can be at most 255 characters.', { field: 'title' });
  const raw = text(body.raw).trim();
  if (raw.length < 2) throw badInput('Write down what the customer said (at least 2 characters).', { field: 'raw' });
  if (raw.length > 64_000) throw badInput('The message can hold at most 64000 characters.', { field: 'raw' });
  const channel = (text(body.channel) || 'phone') as Channel;
  if (!(channel in CHANNELS)) throw badInput(`Say how it came in: ${Object.keys(CHANNELS).join(', ')}.`, { field: 'channel' });
  const assignToMe = body.assignToMe === true || body.assignToMe === 'true';
  return { email, name, title, raw, channel, assignToMe };
}

export function registerOnBehalf(ctx: Ctx, db: InboxDb, inboxGroup: InboxGroupOf): void {
  /** The customer who owns the address, or a new (staged) account for it; never one of the team or of Parley's addresses. */
  async function customerFor(viewer: Member, group: { id: number; name: string }, input: OnBehalfInput) {
    if (await ctx.mail.isOwnAddress(input.email) || (await repo.inboxForRecipients(db, [input.email])) !== null) {
      throw badInput(`${input.email} is one of this forum's own addresses; enter the customer's.`, { field: 'email' });
    }
    const owner = await ctx.forum.users.findByEmail(input.email);
    if (owner) {
      if (await repo.isMember(db, group.id, owner.id)) throw badInput(`${input.email} belongs to ${owner.username}, a member of @${group.name}: this form is for customers.`, { field: 'email' });
      if (owner.suspended_until && owner.suspended_until > ctx.now()) throw badInput(`${owner.username} (${input.email}) is suspended.`, { field: 'email' });
      return owner;
    }
    const staged = await ctx.hooks.filter('stage-address', null, { address: input.email, name: input.name, actorId: viewer.id, db: ctx.db });
    const user = staged === null ? undefined : await ctx.forum.users.findById(staged);
    if (!user) {
      throw badInput(`Nobody has an account with ${input.email}, and none could be made for it: new addresses need the staged-accounts plugin (an admin can turn it on), within its hourly cap. Or enter the address of an existing account.`, { field: 'email' });
    }
    return user;
  }

  async function openOnBehalf(viewer: Member, group: { id: number; name: string }, input: OnBehalfInput, via: 'web' | 'api'): Promise<Topic> {
    const customer = await customerFor(viewer, group, input);
    const author = await ctx.forum.users.viewerFor(customer);
    // The team member who opened it takes part: they hear of the customer's replies.
    const { topic } = await ctx.forum.topics.createMessage(author, { title: input.title, raw: input.raw, via, groupIds: [group.id], userIds: [viewer.id] });
    await repo.recordOpened(db, group.id, topic.id, viewer.id, input.channel);
    const who = customer.name || customer.username;
    await ctx.forum.posts.addSmallAction(viewer, topic.id, { actionCode: 'group_inbox.opened_on_behalf', text: `opened this message on behalf of ${who} (${input.email}), ${CHANNELS[input.channel]}`, staffOnly: true });
    if (input.assignToMe) {
      const assign = (await ctx.hooks.filter('inbox-bulk-actions', [], { viewer, group })).find((a) => a.name === 'assign');
      if (assign) await assign.perform([topic.id], { assignTo: viewer.username });
    }
    return topic;
  }

  const canAssign = async (viewer: Member, group: { id: number; name: string }) =>
    (await ctx.hooks.filter('inbox-bulk-actions', [], { viewer, group })).some((a) => a.name === 'assign');

  const form = async (req: FastifyRequest, reply: FastifyReply, viewer: Member, group: { id: number; name: string; full_name: string }, values: Record<string, unknown>, error?: ParleyError) => {
    const base = `/g/${encodeURIComponent(group.name)}/messages`;
    const value = (k: string) => escapeHtml(typeof values[k] === 'string' ? values[k] : '');
    const channel = typeof values.channel === 'string' ? values.channel : 'phone';
    const fields = `<label>Customer's email address <input type="email" name="email" value="${value('email')}" required maxlength="254" autocomplete="off" spellcheck="false"></label>
<label>Their name <span class="hint">Optional; kept for a new address.</span><input type="text" name="name" value="${value('name')}" maxlength="100"></label>
<label>How it came in <select name="channel">${Object.entries(CHANNELS).map(([k, label]) => `<option value="${k}"${k === channel ? ' selected' : ''}>${label.replace(/^by /, '')}</option>`).join('')}</select></label>
${await canAssign(viewer, group) ? `<label class="checkbox"><input type="checkbox" name="assignToMe" value="true"${values.assignToMe === 'true' ? ' checked' : ''}> Assign it to me</label>` : ''}
<label>Subject <input type="text" name="title" value="${value('title')}" required minlength="3" maxlength="255"></label>`;
    return ctx.web.page(req, reply, 'on-behalf', {
      title: `New message for a customer: @${group.name}`, nav: 'messages', group: { name: group.name, fullName: group.full_name },
      action: `${base}/for-customer`, cancel: base, customerFields: fields, form: { raw: values.raw ?? '' },
      ...(error ? { flash: [{ kind: 'error', message: error.message }] } : {}),
    }, error?.statusCode ?? 200);
  };

  ctx.http.get<{ Params: { name: string } }>('/g/:name/messages/for-customer', { schema: { hide: true } }, async (req, reply) => {
    if (!req.user) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    const viewer = requireUser(req);
    return form(req, reply, viewer, await inboxGroup(viewer, req.params.name), {});
  });

  ctx.http.post<{ Params: { name: string }; Body: Record<string, unknown> }>('/g/:name/messages/for-customer', { schema: { hide: true } }, async (req, reply) => {
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    const body = req.body ?? {};
    try {
      const topic = await openOnBehalf(viewer, group, onBehalfInput(body), 'web');
      ctx.web.flash(reply, 'notice', 'The message is open, as the customer\'s: your replies reach them by mail.');
      return reply.redirect(`/t/${topic.slug}/${topic.id}`, 303);
    } catch (err) {
      if (!(err instanceof ParleyError) || err.statusCode >= 500 || err.statusCode === 404) throw err;
      return form(req, reply, viewer, group, body, err);
    }
  });

  ctx.http.post<{ Params: { name: string }; Body: Record<string, unknown> }>('/api/group-inbox/:name/messages', {
    schema: { tags: ['group-inbox'], summary: 'Open a message on a customer\'s behalf (a phone call): the customer, by address, is its author; a new address gets a staged account',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }) }),
      body: Type.Object({
        email: Type.String({ maxLength: 254 }), name: Type.Optional(Type.String({ maxLength: 200 })),
        title: Type.String({ maxLength: 1000 }), raw: Type.String({ maxLength: 70_000 }),
        channel: Type.Optional(Type.Union(Object.keys(CHANNELS).map((c) => Type.Literal(c)))),
        assignToMe: Type.Optional(Type.Boolean({ description: 'With the assign plugin: assign it to yourself' })),
      }) },
  }, async (req, reply) => {
    const viewer = requireUser(req);
    const group = await inboxGroup(viewer, req.params.name);
    const topic = await openOnBehalf(viewer, group, onBehalfInput(req.body), 'api');
    return reply.code(201).send({ topic: { id: topic.id, slug: topic.slug, title: topic.title, userId: topic.user_id } });
  });
}
