// Claiming: someone signs up with an address that belongs to a staged account. They confirm the
// address by mail, and the same account becomes theirs in place, with the username, name and
// password they chose and every message it has.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ParleyError, badInput, notFound, parleyError, type FastifyReply, type FastifyRequest } from '../../core/plugin-api.ts';
import type { Ctx } from './staging.ts';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

/** Where a claimed account goes after activating: a local path only. */
const localPath = (next: string | null | undefined) => (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : null);

export function registerClaim(ctx: Ctx): void {
  ctx.web.view('claim', readFileSync(new URL('./templates/claim.hbs', import.meta.url), 'utf8'));

  ctx.hooks.onFilter('signup', async (takeover, input) => {
    if (takeover) return takeover;
    const user = await ctx.forum.users.findByEmail(input.email);
    if (!user?.staged) return null;
    const username = input.username || user.username;
    if (username.toLowerCase() !== user.username_lower && await ctx.forum.users.usernameTaken(username)) {
      throw parleyError('CONFLICT', `The username "${username}" is taken; pick another.`);
    }
    const passwordHash = await ctx.forum.users.hashPassword(input.password);
    const token = randomBytes(24).toString('base64url');
    const { claimHours } = ctx.settings.get();
    await ctx.db.deleteFrom('staged_claims').where('user_id', '=', user.id).execute();
    await ctx.db.insertInto('staged_claims').values({
      token_hash: hashToken(token), user_id: user.id, username, name: input.name || user.name, password_hash: passwordHash,
      next_path: localPath(input.next), expires_at: new Date(ctx.now().getTime() + claimHours * 3_600_000),
    }).execute();
    const link = `${ctx.mail.baseUrl()}/claim/${token}`;
    await ctx.mail.send({
      kind: 'staged-claim', to: input.email, toName: input.name || user.name || undefined, userId: user.id,
      subject: 'Confirm your address to activate your account',
      text: `Someone (we hope you) signed up with ${input.email}, which has written to us by email before.\n\nOpen this link to confirm the address and activate the account, with everything you wrote to us:\n\n${link}\n\nThe link works for ${claimHours} hours. If you did not sign up, ignore this mail: nothing changes.\n`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    return { message: `We sent a link to ${input.email}. Open it to confirm the address and activate your account; your earlier messages are waiting in it.` };
  });

  async function pendingClaim(token: string) {
    if (!TOKEN.test(token)) throw notFound('That activation link');
    const claim = await ctx.db.selectFrom('staged_claims').innerJoin('users', 'users.id', 'staged_claims.user_id')
      .select(['staged_claims.user_id', 'staged_claims.username', 'staged_claims.name', 'staged_claims.password_hash', 'staged_claims.next_path', 'staged_claims.expires_at', 'users.staged'])
      .where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!claim || !claim.staged || claim.expires_at < ctx.now()) throw notFound('That activation link (it has expired or was used)');
    return claim;
  }

  // Opening the link only shows a button: link scanners that fetch mail links activate nothing.
  ctx.http.get<{ Params: { token: string } }>('/claim/:token', { schema: { hide: true } }, async (req, reply) => {
    const claim = await pendingClaim(req.params.token);
    const email = await ctx.db.selectFrom('user_emails').select('email').where('user_id', '=', claim.user_id).where('is_primary', '=', true).executeTakeFirst();
    return ctx.web.page(req, reply, 'claim', { title: 'Activate your account', narrow: true, token: req.params.token, claim: { username: claim.username, email: email?.email ?? '' } });
  });

  ctx.http.post<{ Params: { token: string } }>('/claim/:token', { schema: { hide: true }, config: { rateLimit: { max: 20, timeWindow: 3_600_000 } } }, async (req: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
    const claim = await pendingClaim(req.params.token);
    try {
      const user = await ctx.forum.users.activateStaged(claim.user_id, { username: claim.username, name: claim.name, passwordHash: claim.password_hash });
      await ctx.db.deleteFrom('staged_claims').where('user_id', '=', claim.user_id).execute();
      await ctx.auth.startSession(req, reply, user);
      ctx.web.flash(reply, 'notice', `Welcome, ${user.username}! Your account is active, with all your messages.`);
      return reply.redirect(localPath(claim.next_path) ?? `/u/${encodeURIComponent(user.username)}/messages`, 303);
    } catch (err) {
      if (err instanceof ParleyError && err.statusCode === 409) throw badInput(`${err.message} Sign up again with another username.`);
      throw err;
    }
  });
}
