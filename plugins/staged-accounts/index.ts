import { fileURLToPath } from 'node:url';
import { badInput, definePlugin, notFound, ParleyError, requireAdmin, Type, type NotificationDispatch, type Static } from '../../core/plugin-api.ts';
import { registerClaim } from './claim.ts';
import { stageAccount, type Ctx, type StagedTables } from './staging.ts';

/**
 * staged-accounts: unknown senders (and the unknown people they Cc) get staged accounts, which
 * exist only to take part in their own messages by email; signing up with the address claims
 * the same account in place.
 */
export const StagedAccountsSettings = Type.Object({
  /** Staged accounts one received mail may create (its sender and the people it Cc's). */
  maxPerMail: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** Staged accounts created in any hour, across all mail: a flood of new senders stops here. */
  maxPerHour: Type.Integer({ minimum: 1, maximum: 100_000, default: 200 }),
  /** Staged accounts that never wrote a post are removed after this many days. */
  purgeAfterDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
  /** How long the confirmation link of a claiming signup works. */
  claimHours: Type.Integer({ minimum: 1, maximum: 720, default: 48 }),
});
export type StagedAccountsSettings = Static<typeof StagedAccountsSettings>;

/**
 * What a staged account hears of, by email only (it cannot log in for the rest): the posts of its
 * own messages (those it takes part in, or started) and replies to its own posts. Never a mention,
 * a group's mention or a topic it merely watches.
 */
export function stagedDispatch(planned: NotificationDispatch[], staged: Set<number>, participants: Set<number>, topicAuthor: number | null): NotificationDispatch[] {
  return planned.flatMap((d) => {
    if (!staged.has(d.userId)) return [d];
    const own = participants.has(d.userId) || d.userId === topicAuthor;
    const keep = d.type === 'replied' || (own && (d.type === 'private_message' || d.type === 'posted'));
    return keep ? [{ ...d, channels: d.channels.filter((c) => c !== 'live') }] : [];
  });
}

/** Links into the forum, for someone who has no login yet: through signup (pre-filled), then on to the page. */
export function viaSignup(text: string, baseUrl: string, email: string): string {
  const escaped = baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`${escaped}(/t/[^\\s"'<>)]*)`, 'g'), (_m, path: string) =>
    `${baseUrl}/signup?email=${encodeURIComponent(email)}&next=${encodeURIComponent(path.replace(/&amp;/g, '&'))}`);
}

export default definePlugin<typeof StagedAccountsSettings, StagedTables>({
  name: 'staged-accounts',
  version: '1.0.0',
  description: 'Unknown senders get staged accounts that take part in their own messages by email, until they sign up and claim them.',
  settings: StagedAccountsSettings,
  migrations: fileURLToPath(new URL('./migrations/', import.meta.url)),
  async register(ctx: Ctx) {
    ctx.hooks.onFilter('email-sender', async (userId, { mail, trx }) => {
      if (userId !== null || !mail.sender) return userId;
      return (await stageAccount(ctx, trx, mail.sender, mail.id))?.id ?? null;
    });

    // The Cc'd come first (they are named while the destination is chosen); one staged account of
    // the per-mail cap is kept for an unknown sender, without whom the mail is refused.
    ctx.hooks.onFilter('email-participants', async (participants, { mail, trx }) => {
      const out = [];
      const senderKnown = mail.sender ? (await ctx.forum.users.findByEmail(mail.sender.address, trx as never)) !== undefined : true;
      for (const p of participants) {
        if (p.userId !== null) { out.push(p); continue; }
        const user = await stageAccount(ctx, trx, p, mail.id, senderKnown ? 0 : 1);
        if (user) out.push({ ...p, userId: user.id });
      }
      return out;
    });

    // A team member opens a message for an address nobody owns (group-inbox's "New message for a customer"): a staged account, within the hourly cap.
    ctx.hooks.onFilter('stage-address', async (userId, { address, name, db }) => userId ?? (await stageAccount(ctx, db, { address, name }, null))?.id ?? null);

    ctx.hooks.onFilter('notification-dispatch', async (planned, { topic, trx }) => {
      if (planned.length === 0) return planned;
      const ids = planned.map((d) => d.userId);
      const staged = new Set((await trx.selectFrom('users').select('id').where('id', 'in', ids).where('staged', '=', true).execute()).map((r) => r.id));
      if (staged.size === 0) return planned;
      const participants = new Set((await trx.selectFrom('topic_allowed_users').select('user_id').where('topic_id', '=', topic.id).where('user_id', 'in', [...staged]).execute()).map((r) => r.user_id));
      return stagedDispatch(planned, staged, participants, topic.user_id);
    });

    ctx.hooks.onFilter('outgoing-email', async (draft, { userId, trx }) => {
      if (userId === null) return draft;
      const user = await ctx.forum.users.findById(userId, trx as never);
      if (!user?.staged) return draft;
      const base = ctx.mail.baseUrl();
      return { ...draft, text: viaSignup(draft.text, base, draft.to), html: draft.html ? viaSignup(draft.html, base, draft.to) : draft.html };
    }, { priority: 200 });

    registerClaim(ctx);

    // Staged accounts nobody used are removed (their Cc'd messages lose them as participants).
    await ctx.jobs.work('purge', async () => {
      const before = new Date(ctx.now().getTime() - ctx.settings.get().purgeAfterDays * 86_400_000);
      const removed = await ctx.forum.users.deleteUnusedStaged(before);
      if (removed) ctx.log.info({ removed }, 'purged unused staged accounts');
    });
    await ctx.jobs.schedule('purge', '17 3 * * *');

    // Admin: invite a staged user to sign up and take over their account.
    ctx.web.outlet('admin-staged-user', (data) => {
      const user = data.user as { id?: number } | undefined;
      if (!user?.id) return '';
      const csrf = `<input type="hidden" name="_csrf" value="${String(data.csrf)}">`;
      return `<form method="post" action="/admin/staged-accounts/${user.id}/invite">${csrf}<button type="submit" data-invite>Invite to activate the account</button></form>
<form method="post" action="/admin/staged-accounts/${user.id}/merge" class="stack" style="margin-top:.75rem" data-merge>${csrf}
  <label>Or merge it into an existing account <span class="hint">The username of the person this address belongs to: its messages and posts move there, and the address becomes a secondary one.</span>
    <input type="text" name="into" required autocomplete="off" spellcheck="false"></label>
  <div class="form-actions"><button type="submit">Merge</button></div>
</form>`;
    });
    const merge = async (id: number, into: string, actorId: number | null) => {
      const target = into.trim() ? await ctx.forum.users.findByUsername(into.trim()) : undefined;
      if (!target) throw badInput(`No user is called ${into.trim() || '(empty)'}.`, { field: 'into' });
      // Inside core's merge, plugins move what they keep about the account (user-merge) and say what came along.
      const { carried } = await ctx.forum.userAdmin.mergeStaged(id, target.id, actorId);
      return { target, carried };
    };
    ctx.http.post<{ Params: { id: string }; Body: { into?: string } }>('/admin/staged-accounts/:id/merge', { schema: { hide: true } }, async (req, reply) => {
      if (!req.viewer.admin) throw notFound();
      try {
        const { target, carried } = await merge(Number(req.params.id), req.body?.into ?? '', req.viewer.id);
        ctx.web.flash(reply, 'notice', `Merged into ${target.username}${carried.length ? `, with ${carried.join(', ')}` : ''}.`);
        return reply.redirect(`/admin/users/${target.id}`, 303);
      } catch (err) {
        if (!(err instanceof ParleyError) || err.statusCode >= 500) throw err;
        ctx.web.flash(reply, 'error', err.message);
        return reply.redirect(`/admin/users/${Number(req.params.id)}`, 303);
      }
    });
    ctx.http.post<{ Params: { id: string }; Body: { into: string } }>('/api/admin/staged-accounts/:id/merge', {
      schema: { tags: ['staged-accounts'], summary: 'Merge a staged account into an existing user: its messages move there, its address becomes secondary (admin)', body: Type.Object({ into: Type.String({ minLength: 1, maxLength: 40 }) }) },
    }, async (req) => {
      const admin = requireAdmin(req);
      const { target, carried } = await merge(Number(req.params.id), req.body.into, admin.id);
      return { mergedInto: { id: target.id, username: target.username }, carried };
    });
    const invite = async (id: number) => {
      const user = await ctx.forum.users.findById(id);
      if (!user?.staged) throw notFound('That staged account');
      const email = await ctx.db.selectFrom('user_emails').select('email').where('user_id', '=', id).where('is_primary', '=', true).executeTakeFirst();
      if (!email) throw notFound('That staged account\'s address');
      const base = ctx.mail.baseUrl();
      await ctx.mail.send({
        kind: 'staged-invite', to: email.email, toName: user.name || undefined, userId: id,
        subject: 'Your account is ready to activate',
        text: `You have written to us by email. Sign up with this address to read and answer your messages on the web, with everything you wrote kept:\n\n${base}/signup?email=${encodeURIComponent(email.email)}\n`,
      });
      return email.email;
    };
    ctx.http.post<{ Params: { id: string } }>('/admin/staged-accounts/:id/invite', { schema: { hide: true } }, async (req, reply) => {
      if (!req.viewer.admin) throw notFound();
      const to = await invite(Number(req.params.id));
      ctx.web.flash(reply, 'notice', `Invitation sent to ${to}.`);
      return reply.redirect(`/admin/users/${Number(req.params.id)}`, 303);
    });
    ctx.http.post<{ Params: { id: string } }>('/api/admin/staged-accounts/:id/invite', { schema: { tags: ['staged-accounts'], summary: 'Invite a staged user to sign up and activate their account (admin)' } }, async (req) => {
      requireAdmin(req);
      return { invited: await invite(Number(req.params.id)) };
    });
  },
});
