// Notification mail: each person the notification plan gives the email channel gets the post by
// mail, inside the post's transaction. Every copy of one post shares its Message-ID; each reader
// gets their own reply address (a reply key for that topic), so answering the mail posts a reply.
import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { SiteSettings } from '../../admin/site-settings.ts';
import type { DB } from '../../db/schema.ts';
import type { EmailDispatcher } from '../../notifications/notifications.service.ts';
import type { Post } from '../../posts/posts.table.ts';
import type { Topic } from '../../topics/topics.table.ts';
import { mailAddresses, type MailAddresses } from '../addresses.ts';
import type { EmailTemplates } from './email-templates.ts';
import type { Mailer } from './mailer.ts';
import { threadHeaders, type ThreadHeaders } from './threading.ts';

export interface NotificationMailDeps { mailer: Mailer; templates: EmailTemplates; baseUrl: string; settingsIn: (trx: Transaction<DB>) => Promise<SiteSettings> }

/** The topic page shows this many posts from where it starts; a later post is linked to by its page. */
const POSTS_PER_PAGE = 50;

/** "You are receiving this because …", by notification type. */
const BECAUSE: Record<string, string> = {
  replied: 'someone replied to your post',
  mentioned: 'someone mentioned you',
  group_mentioned: 'someone mentioned a group you belong to',
  private_message: 'you take part in this private message',
  posted: 'you are watching this topic',
};

/** What every recipient's copy of one post shares; worked out once per post. */
interface PostMail {
  settings: SiteSettings;
  addresses: MailAddresses;
  thread: ThreadHeaders;
  authorName: string;
  topicUrl: string;
  postUrl: string;
  listId: string;
  cookedHtml: string;
}

/** Links in cooked HTML are relative to the site; in a mailbox they must be absolute. */
export function absoluteLinks(html: string, baseUrl: string): string {
  return html.replace(/(\s(?:href|src))="\/(?!\/)/g, `$1="${baseUrl}/`);
}

/** List-Id (RFC 2919): the category as a list, or all messages, or topics without a category. */
async function listIdOf(trx: Transaction<DB>, topic: Topic, domain: string): Promise<string> {
  const category = topic.category_id === null ? null
    : await trx.selectFrom('categories').select(['id', 'name', 'slug']).where('id', '=', topic.category_id).executeTakeFirst();
  const isMessage = topic.archetype === 'private_message';
  const name = category?.name ?? (isMessage ? 'Messages' : 'Topics');
  const label = category ? category.slug.toLowerCase().replace(/[^a-z0-9-]+/g, '') || `category-${category.id}` : isMessage ? 'messages' : 'topics';
  // The phrase is optional; one that would need MIME encoding is left out.
  const phrase = /^[\x20-\x7e]+$/.test(name) ? `"${name.replace(/["\\]/g, '')}" ` : '';
  return `${phrase}<${label}.${domain}>`;
}

/** `authorName`: the post's author as readers know them (read with the first recipient), null when there is none. */
async function postMail(trx: Transaction<DB>, topic: Topic, post: Post, deps: NotificationMailDeps, authorName: string | null): Promise<PostMail> {
  const { baseUrl } = deps;
  const settings = await deps.settingsIn(trx);
  const addresses = mailAddresses(settings, baseUrl);
  const topicUrl = `${baseUrl}/t/${topic.slug}/${topic.id}`;
  return {
    settings, addresses,
    thread: await threadHeaders(trx, topic, post, addresses.domain),
    authorName: authorName ?? 'Someone',
    topicUrl,
    postUrl: `${topicUrl}${post.post_number > POSTS_PER_PAGE ? `?after=${post.post_number - 1}` : ''}#post-${post.post_number}`,
    listId: await listIdOf(trx, topic, addresses.domain),
    cookedHtml: absoluteLinks(post.cooked, baseUrl),
  };
}

/** The reader's reply key for this topic, made on first use; it answers the post they were last mailed. */
export async function replyKeyFor(trx: Transaction<DB>, userId: number, topicId: number, postId: number): Promise<string> {
  const row = await trx.insertInto('email_reply_keys').values({ reply_key: randomBytes(16).toString('hex'), user_id: userId, topic_id: topicId, post_id: postId })
    .onConflict((oc) => oc.columns(['user_id', 'topic_id']).doUpdateSet({ post_id: postId }))
    .returning('reply_key').executeTakeFirstOrThrow();
  return row.reply_key;
}

/** The reader's name and primary address, and (in the same query) the author's name as the mail shows it. */
const recipientOf = (trx: Transaction<DB>, userId: number, authorId: number | null) => trx.selectFrom('users')
  .innerJoin('user_emails', (join) => join.onRef('user_emails.user_id', '=', 'users.id').on('user_emails.is_primary', '=', true))
  .select(['users.id', 'users.username', 'users.name', 'user_emails.email'])
  .select((eb) => eb.selectFrom('users as author').select(sql<string>`coalesce(nullif(author.name, ''), author.username)`.as('n'))
    .where('author.id', '=', authorId ?? -1).as('author_name'))
  .where('users.id', '=', userId).executeTakeFirst();

/** The dispatcher the notifications service calls for each dispatch with the email channel. */
export function notificationMail(deps: NotificationMailDeps): EmailDispatcher {
  const perPost = new WeakMap<Post, Promise<PostMail>>();
  return async (work, { dispatch, topic, post }) => {
    const recipient = await recipientOf(work.trx, dispatch.userId, post.user_id);
    if (!recipient) return; // no primary address: nowhere to send it
    let shared = perPost.get(post);
    if (!shared) {
      shared = postMail(work.trx, topic, post, deps, recipient.author_name);
      perPost.set(post, shared);
    }
    const mail = await shared;
    const replyTo = mail.addresses.replyKeyAddress(await replyKeyFor(work.trx, recipient.id, topic.id, post.id));
    const preferencesUrl = `${deps.baseUrl}/u/${encodeURIComponent(recipient.username)}/preferences`;
    const rendered = await deps.templates.render('notification', {
      siteTitle: mail.settings.title, siteUrl: deps.baseUrl, topicTitle: topic.title, topicId: topic.id, token: mail.settings.emailSubjectToken,
      isReply: post.post_number > 1, isMessage: topic.archetype === 'private_message', authorName: mail.authorName,
      raw: post.raw, cooked: mail.cookedHtml, postUrl: mail.postUrl, topicUrl: mail.topicUrl, preferencesUrl,
      because: BECAUSE[dispatch.type] ?? `of a notification (${dispatch.type.replace(/_/g, ' ')})`,
    });
    await deps.mailer.queue(work, {
      kind: 'notification', to: recipient.email, toName: recipient.name || recipient.username,
      subject: rendered.subject ?? topic.title, text: rendered.text, html: rendered.html, replyTo,
      messageId: mail.thread.messageId, inReplyTo: mail.thread.inReplyTo, references: mail.thread.references,
      headers: {
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'OOF, AutoReply',
        Precedence: 'list',
        'List-Id': mail.listId,
        'List-Unsubscribe': `<${preferencesUrl}>`,
        'List-Archive': `<${mail.topicUrl}>`,
        'List-Post': `<mailto:${replyTo}>`,
      },
      userId: recipient.id, topicId: topic.id, postId: post.id,
    }, { topic, post });
  };
}
