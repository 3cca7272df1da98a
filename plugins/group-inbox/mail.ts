// Mail in and out of a group inbox: mail to a group's address becomes a message to the group with
// the sender and the Cc'd people in it; a reply from someone not on the thread joins it or starts
// a new message, as the group chose; mail about the group's messages leaves under its identity,
// with the history the recipient may see quoted below.
import { escapeHtml, PostType, type EmailDestination, type EmailParticipant, type IncomingMail, type OutgoingDraft, type PluginContext, type Post, type Topic } from '../../core/plugin-api.ts';
import * as repo from './inbox.repo.ts';
import type { InboxDb } from './inbox.repo.ts';

type Ctx = PluginContext<{ quotedPosts: number }, repo.GroupInboxTables>;

const asInboxDb = (db: unknown) => db as InboxDb;

/** Everyone a mail names besides the sender and Parley's own addresses: To and Cc, in order, without repeats. */
export function namedParticipants(mail: IncomingMail, ownAddresses: Set<string>): Array<{ address: string; name: string }> {
  const seen = new Set<string>([mail.sender?.address.toLowerCase() ?? '']);
  const out: Array<{ address: string; name: string }> = [];
  for (const a of [...mail.email.to, ...mail.email.cc]) {
    const address = a.address.trim().toLowerCase();
    if (!repo.validAddress(address) || seen.has(address) || ownAddresses.has(address)) continue;
    seen.add(address);
    out.push({ address, name: a.name });
  }
  return out;
}

/** Which of the mail's addresses are Parley's own (group inboxes, category addresses, reply and bounce addresses): never people. */
async function parleyAddresses(ctx: Ctx, db: InboxDb, mail: IncomingMail): Promise<Set<string>> {
  const named = [...new Set([...mail.email.to, ...mail.email.cc].map((a) => a.address.trim().toLowerCase()))];
  if (named.length === 0) return new Set();
  const inboxes = await db.selectFrom('group_inbox_addresses').select('address_lower').where('address_lower', 'in', named).execute();
  const categories = await (db as unknown as PluginContext['db']).selectFrom('categories').select((eb) => eb.fn<string>('lower', ['email_in']).as('address'))
    .where((eb) => eb(eb.fn('lower', ['email_in']), 'in', named)).execute();
  const own = await Promise.all(named.map(async (a) => (await ctx.mail.isOwnAddress(a, db as never)) ? a : null));
  return new Set([...inboxes.map((r) => r.address_lower), ...categories.map((r) => r.address), ...own.filter((a): a is string => a !== null)]);
}

/** The owners of addresses, by address. */
async function ownersOf(db: InboxDb, addresses: string[]): Promise<Map<string, number>> {
  if (addresses.length === 0) return new Map();
  const rows = await db.selectFrom('user_emails').select(['email_lower', 'user_id']).where('email_lower', 'in', addresses).execute();
  return new Map(rows.map((r) => [r.email_lower, r.user_id]));
}

/** Mail of a group with its own SMTP server leaves by the transport `group-inbox:ID`. */
const TRANSPORT = 'group-inbox:';

export function registerMail(ctx: Ctx): void {
  ctx.hooks.onFilter('email-transport', async (url, { name }) => {
    if (url !== null || !name.startsWith(TRANSPORT)) return url;
    return repo.smtpUrlOf(asInboxDb(ctx.db), Number(name.slice(TRANSPORT.length)));
  });

  // A new message to the group, or a reply from someone who is not on the thread.
  ctx.hooks.onFilter('email-destination', async (found, { mail, trx }) => {
    const db = asInboxDb(trx);
    if (found === null) return newMessage(ctx, db, mail);
    if (found.kind !== 'reply' || !mail.sender) return found;
    const [groupId] = await repo.inboxGroupsOfTopic(db, found.topicId);
    if (groupId === undefined) return found;
    const settings = (await repo.settingsOf(db, groupId))!;
    const owner = await ctx.forum.users.findByEmail(mail.sender.address, trx);
    if (owner && await repo.takesPart(db, found.topicId, owner.id)) return found;
    if (settings.allowUnknownRepliers) return found;
    // Someone the thread never included answered it (a forwarded mail, say): their mail starts its own message.
    return { kind: 'new-message', groupIds: [groupId], userIds: [], address: settings.addresses[0] ?? found.address ?? '' } satisfies EmailDestination;
  });

  // A group that lets outsiders join a thread by replying adds them once their account is known
  // (after staged-accounts has made one for a new address: this runs late).
  ctx.hooks.onFilter('email-sender', async (userId, { destination, trx }) => {
    if (userId === null || destination.kind !== 'reply') return userId;
    const db = asInboxDb(trx);
    const [groupId] = await repo.inboxGroupsOfTopic(db, destination.topicId);
    if (groupId === undefined || await repo.takesPart(db, destination.topicId, userId)) return userId;
    if ((await repo.settingsOf(db, groupId))?.allowUnknownRepliers) await ctx.forum.topics.addParticipants(trx, destination.topicId, [userId]);
    return userId;
  }, { priority: 200 });

  // A post mailed to many people asks this once per recipient, inside one transaction: the
  // topic's inbox is looked up once per transaction.
  const inboxes = new WeakMap<object, Map<number, Promise<repo.InboxSettings | null>>>();
  const inboxOfTopic = (db: InboxDb, topicId: number) => {
    let known = inboxes.get(db);
    if (!known) inboxes.set(db, known = new Map());
    let settings = known.get(topicId);
    if (!settings) {
      settings = repo.inboxGroupsOfTopic(db, topicId).then(([groupId]) => (groupId === undefined ? null : repo.settingsOf(db, groupId)));
      known.set(topicId, settings);
    }
    return settings;
  };

  ctx.hooks.onFilter('outgoing-email', async (draft, { topic, post, userId, trx }) => {
    if (!topic || topic.archetype !== 'private_message') return draft;
    const db = asInboxDb(trx);
    const settings = await inboxOfTopic(db, topic.id);
    if (!settings) return draft;
    const member = userId !== null && await repo.isMember(db, settings.groupId, userId);
    return asGroupMail(ctx, draft, settings, { topic, post, recipientId: member ? null : userId, trx });
  });
}

async function newMessage(ctx: Ctx, db: InboxDb, mail: IncomingMail): Promise<EmailDestination | null> {
  const inbox = await repo.inboxForRecipients(db, mail.recipients);
  if (!inbox) return null;
  const settings = (await repo.settingsOf(db, inbox.groupId))!;
  const named = namedParticipants(mail, await parleyAddresses(ctx, db, mail)).slice(0, settings.ccCap);
  const owners = await ownersOf(db, named.map((n) => n.address));
  const participants: EmailParticipant[] = named.map((n) => ({ ...n, userId: owners.get(n.address) ?? null }));
  const joined = await ctx.hooks.filter('email-participants', participants, { mail, trx: db as never });
  const userIds = [...new Set(joined.map((p) => p.userId).filter((id): id is number => id !== null))];
  return { kind: 'new-message', groupIds: [inbox.groupId], userIds, address: inbox.address };
}

interface GroupMailSubject { topic: Topic; post: Post | null; recipientId: number | null; trx: unknown }

/**
 * Mail about a group's message leaves under the group's name and address. To someone outside the
 * group (the customer) it is a person's answer, not a notification: no list or auto-generated
 * headers, and below it the earlier posts that person may see, quoted.
 */
async function asGroupMail(ctx: Ctx, draft: OutgoingDraft, settings: repo.InboxSettings, about: GroupMailSubject): Promise<OutgoingDraft> {
  const from = settings.fromAddress ?? settings.addresses[0];
  const identity = {
    ...draft, from: from ?? draft.from, fromName: settings.fromName || settings.groupFullName || settings.groupName,
    transport: settings.smtpConfigured ? `${TRANSPORT}${settings.groupId}` : draft.transport,
  };
  if (about.recipientId === null || draft.kind !== 'notification') return identity;
  const headers = Object.fromEntries(Object.entries(draft.headers ?? {}).filter(([name]) => !/^(precedence|auto-submitted|list-)/i.test(name)));
  const history = about.post ? await quotedHistory(ctx, about.trx as InboxDb, about.topic, about.post, about.recipientId) : [];
  if (history.length === 0) return { ...identity, headers };
  const text = `${draft.text.trimEnd()}\n\n${history.map((h) => `On ${h.at.toUTCString()}, ${h.author} wrote:\n${h.raw.split('\n').map((l) => `> ${l}`).join('\n')}`).join('\n\n')}\n`;
  const html = draft.html ? `${draft.html}\n<div class="quoted-history">${history.map((h) => `<p>On ${escapeHtml(h.at.toUTCString())}, ${escapeHtml(h.author)} wrote:</p><blockquote type="cite">${h.cooked}</blockquote>`).join('\n')}</div>` : draft.html;
  return { ...identity, headers, text, html };
}

/** The posts before this one that the recipient may see (never whispers, nothing the guardian hides), newest first. */
async function quotedHistory(ctx: Ctx, db: InboxDb, topic: Topic, post: Post, recipientId: number): Promise<Array<{ author: string; at: Date; raw: string; cooked: string }>> {
  const limit = ctx.settings.get().quotedPosts;
  if (limit === 0) return [];
  const user = await ctx.forum.users.findById(recipientId, db as never);
  if (!user) return [];
  const viewer = await ctx.forum.users.viewerFor(user, db as never);
  const visible = await ctx.guardian.postPredicate(viewer);
  const rows = await (db as unknown as PluginContext['db']).selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
    .leftJoin('users', 'users.id', 'posts.user_id')
    .select(['posts.raw', 'posts.cooked', 'posts.created_at', 'users.name', 'users.username'])
    .where('posts.topic_id', '=', topic.id).where('posts.post_number', '<', post.post_number)
    .where('posts.post_type', '=', PostType.regular).where(visible)
    .orderBy('posts.post_number', 'desc').limit(limit).execute();
  return rows.map((r) => ({ author: r.name || r.username || 'Someone', at: r.created_at, raw: r.raw, cooked: r.cooked }));
}
