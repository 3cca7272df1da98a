// The last steps of a message that is going somewhere: whose it is (the `email-sender` filter lets
// plugins such as staged-accounts answer for unknown senders), whether they may post there, and the post.
import type { Work } from '../../db/unit-of-work.ts';
import { ParleyError } from '../../errors.ts';
import { viewerFromUser, isStaff, type Viewer } from '../../permissions/viewer.ts';
import * as topicsRepo from '../../topics/topics.repo.ts';
import type { Guardian } from '../../permissions/guardian.ts';
import type { Hooks } from '../../hooks/hooks.ts';
import type { Services } from '../../services.ts';
import { composeBody } from './body.ts';
import type { EmailDestination } from './destination.ts';
import type { Run } from './mail-receiver.ts';
import { reject } from './reasons.ts';
import { senderAccount } from './sender.ts';

interface DeliverDeps { hooks: Hooks; guardian: Guardian; services: Services; now: () => Date }

const REPLY_PREFIX = /^\s*((re|fwd?|aw|wg|sv|vs|antw|r|rif|tr|odp|ynt|enc)(\[\d+\])?\s*:\s*)+/i;

/** A topic title from a subject: reply and forward prefixes and our own token removed. */
export function titleFromSubject(subject: string | null, token: string): string {
  let title = (subject ?? '').replace(/\s+/g, ' ');
  if (token) title = title.replace(new RegExp(`\\s*\\[${token}#\\d+\\]\\s*`, 'ig'), ' ');
  title = title.replace(REPLY_PREFIX, '').trim().slice(0, 255);
  return title || '(no subject)';
}

async function senderViewer(work: Work, run: Run, destination: EmailDestination, hooks: Hooks): Promise<Viewer & { id: number }> {
  const address = run.mail.sender!.address;
  const owner = run.facts?.sender?.owner ?? null;
  const known = owner?.id ?? null;
  const userId = await hooks.filter('email-sender', known, { mail: run.mail, destination, trx: work.trx });
  if (userId === null) reject('unknown_sender', `no account has ${address}`);
  run.note('user', `user ${userId}`, known === null ? 'provided by a plugin (email-sender)' : `owns ${address}`);
  if (destination.kind === 'reply' && destination.replyKeyUserId !== undefined && destination.replyKeyUserId !== userId) {
    reject('reply_key_mismatch', `the key belongs to user ${destination.replyKeyUserId}, the sender is user ${userId}`);
  }
  const user = userId === known ? owner : await senderAccount(work.trx, userId!);
  if (!user) reject('unknown_sender', `user ${userId} does not exist`);
  if (user!.suspendedUntil && user!.suspendedUntil > new Date()) reject('user_suspended', `user ${user!.username} is suspended`);
  return viewerFromUser(user!, user!.groupIds);
}

/** Turns the core's FORBIDDEN answers into the pipeline's typed reasons. */
async function asRejection(check: () => Promise<void>, closed: boolean): Promise<void> {
  try { await check(); } catch (err) {
    if (err instanceof ParleyError && (err.statusCode === 403 || err.statusCode === 404 || err.statusCode === 400)) reject(closed ? 'topic_closed' : 'not_allowed', err.message);
    throw err;
  }
}

export async function deliver(work: Work, run: Run, destination: EmailDestination, deps: DeliverDeps): Promise<{ userId: number; topicId: number; postId: number; elided: string | null }> {
  const { services, guardian } = deps;
  const author = await senderViewer(work, run, destination, deps.hooks);
  const topic = destination.kind === 'reply' ? await topicsRepo.lockTopic(work.trx, destination.topicId) : null;
  if (destination.kind === 'reply') {
    if (!topic || topic.deleted_at) reject('topic_not_found', `topic ${destination.topicId}`);
    if (!(await guardian.canSeeTopic(work.trx, author, topic!.id))) reject('not_allowed', `${author.username} cannot see topic ${topic!.id}`);
    const closed = !isStaff(author) && (topic!.closed || topic!.archived);
    await asRejection(() => services.posts.ensureCanReply(work.trx, author, topic!), closed);
  } else if (destination.kind === 'new-topic') {
    await asRejection(() => services.topics.ensureCanCreateIn(author, destination.categoryId, work.trx), false);
  }
  run.note('permission', 'may post', `${author.username}${author.staged ? ' (staged)' : ''}`);
  const body = await composeBody(services.uploads, work.trx, author, run.email);
  if (!body.raw.trim()) reject('empty_body');
  run.note('body', `${body.raw.length} characters kept`, `${body.elided.length} characters of quoted history and signature removed${body.uploads.length ? `; ${body.uploads.length} attachment(s) stored` : ''}${body.removed.length ? `; removed: ${body.removed.join('; ')}` : ''}`);
  const post = { raw: body.raw, via: 'email' as const, skipValidations: true };
  const title = titleFromSubject(run.email.subject, run.settings.emailSubjectToken);
  const created = destination.kind === 'reply'
    ? { topic: topic!, post: await services.posts.create(work, topic!, author, { ...post, replyToPostNumber: destination.replyToPostNumber }) }
    : destination.kind === 'new-topic'
      ? await services.topics.insertWithFirstPost(work, author, { ...post, title, categoryId: destination.categoryId }, 'regular')
      : await services.topics.insertWithFirstPost(work, author, { ...post, title }, 'private_message', async (t) => {
        await topicsRepo.addAllowedUsers(work.trx, t.id, [...new Set([author.id, ...(destination.userIds ?? [])])]);
        await topicsRepo.addAllowedGroups(work.trx, t.id, destination.groupIds);
      });
  await services.uploads.attachStored(work.trx, created.post.id, body.uploads);
  run.note('outcome', `created post ${created.post.id}`, `topic ${created.topic.id}, post #${created.post.post_number}`);
  return { userId: author.id, topicId: created.topic.id, postId: created.post.id, elided: body.elided || null };
}
