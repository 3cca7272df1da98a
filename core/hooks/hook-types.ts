import type { Expression, ExpressionBuilder, Kysely, SqlBool, Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { IncomingSource, IncomingStatus } from '../mail/mail.table.ts';
import type { EmailDestination, IncomingMail } from '../mail/receive/destination.ts';
import type { OutgoingDraft } from '../mail/send/mailer.ts';
import type { Notification } from '../notifications/notifications.table.ts';
import type { Viewer } from '../permissions/viewer.ts';
import type { DraftBase, ReplyConflict } from '../posts/posts.service.ts';
import type { Post, PostVia } from '../posts/posts.table.ts';
import type { Archetype, Topic } from '../topics/topics.table.ts';
import type { User } from '../users/users.table.ts';

/** A condition on a topic row (table `topics`), composable into any query over topics. */
export type TopicPredicate = (eb: ExpressionBuilder<DB, 'topics'>) => Expression<SqlBool>;
/** A condition on a post row, in a query that also joins its topic. */
export type PostPredicate = (eb: ExpressionBuilder<DB, 'posts' | 'topics'>) => Expression<SqlBool>;

/** What a visibility question is limited to, when the caller knows (lists of one archetype). */
export interface TopicScope { archetype?: Archetype }

/** What the guardian asks: a row is visible when any grant holds and no restriction does. */
export interface VisibilityRules<P> { grants: P[]; restrictions: P[] }

export type NotificationChannel = 'web' | 'email' | 'live';

/** One planned notification: who hears of what, how, and how loudly. */
export interface NotificationDispatch {
  userId: number;
  /** e.g. 'replied', 'mentioned', 'private_message', 'group_mentioned', 'posted', 'watching_first_post'. */
  type: string;
  channels: NotificationChannel[];
  highPriority: boolean;
  /** Why this user is notified, for logs and for plugins that reshape the list. */
  reason: string;
}

export type ProvisionSource = 'signup' | 'email' | 'api' | 'staged' | 'admin';
export type TopicListName = 'latest' | 'category' | 'inbox' | 'sent' | 'group' | 'search';

export interface SuggestedTopic { topicId: number; reason: string }

/** A plugin took a signup over; `message` tells the person what happens next. */
export interface SignupTakeover { message: string }

/** An address a received mail names, and its owner once known. */
export interface EmailParticipant { address: string; name: string; userId: number | null }

/**
 * Action hooks: fired after the operation's transaction commits. Each handler runs isolated: its
 * error is logged with the plugin and hook name and never reaches the caller.
 * Plugins add their own by declaration merging on this interface.
 */
export interface ActionHooks {
  /** A user account came to exist: by signup, from an incoming email, through the API, as a staged account, or by an admin. */
  'user-provisioned': { user: User; source: ProvisionSource; email: string | null };
  /** Any post was created, the first post of a topic included. */
  'message-created': { topic: Topic; post: Post; archetype: Archetype; via: PostVia; isFirstPost: boolean };
  /** A topic (regular or private message) was created with its first post. */
  'topic-created': { topic: Topic; firstPost: Post };
  /** A post's raw text was changed. */
  'post-edited': { topic: Topic; post: Post; editorId: number; rawBefore: string };
  /** A user joined a group (or was added by an owner or admin). */
  'user-added-to-group': { userId: number; groupId: number; owner: boolean; actorId: number | null };
  /** A notification row was written for a user. */
  'notification-created': { notification: Notification; channels: NotificationChannel[] };
  /** A received email was decided: posted, recorded as a bounce, rejected (with its typed reason), a duplicate. */
  'email-processed': { incomingEmailId: number; source: IncomingSource; status: IncomingStatus; reason: string | null; topicId: number | null; postId: number | null; userId: number | null };
}

/**
 * Filter hooks: a value passes through each handler in order and comes out reshaped. A handler
 * that throws vetoes the operation and rolls back its transaction; the error names the plugin.
 * Plugins add their own by declaration merging on this interface.
 */
export interface FilterHooks {
  /** Who is notified of a new post, on which channels and at which priority. Fires inside the post's transaction (`trx`: read through it). */
  'notification-dispatch': { value: NotificationDispatch[]; context: { topic: Topic; post: Post; actorId: number | null; trx: Transaction<DB> } };
  /** Which topics a viewer may see: add grants or restrictions. Used by every read path. */
  'topic-visibility': { value: VisibilityRules<TopicPredicate>; context: { viewer: Viewer; scope: TopicScope } };
  /**
   * A page's data, just before it is rendered: plugins add what their outlets show (outlets are
   * synchronous, so anything they need from the database is fetched here). `view` names the page.
   */
  'page-data': { value: Record<string, unknown>; context: { view: string; viewer: Viewer } };
  /** Whether the viewer may post whispers in this topic (core says no; the whispers plugin decides). Reads go through `trx`. */
  'can-whisper': { value: boolean; context: { viewer: Viewer; topic: Topic; trx: Kysely<DB> } };
  /**
   * What happened in a topic since the viewer's reply draft started (`draft`), beside core's list
   * of newer posts by others: a plugin adds its own events ("Sam took this message"). Any entry
   * refuses the reply with a conflict, so its writer reviews first. Fires inside the reply's transaction (`trx`).
   */
  'reply-conflicts': { value: ReplyConflict[]; context: { viewer: Viewer; topic: Topic; draft: DraftBase; trx: Kysely<DB> } };
  /**
   * A staged account (`fromId`) is being merged into another (`intoId`) by `actorId`: move what
   * the plugin keeps about it, through `trx`, before core removes it. Return the value with a few
   * words for what moved ('2 case notes'); the merge reports them. A throw stops the merge.
   */
  'user-merge': { value: string[]; context: { fromId: number; intoId: number; actorId: number | null; trx: Transaction<DB> } };
  /** Which posts of a visible topic a viewer may see (whispers, deleted posts…). */
  'post-visibility': { value: VisibilityRules<PostPredicate>; context: { viewer: Viewer } };
  /** Extra conditions on a topic list (filters such as "assigned to me"); visibility is applied regardless. */
  'topic-list-query': { value: TopicPredicate[]; context: { viewer: Viewer; list: TopicListName; params: Record<string, string | undefined> } };
  /** Topics suggested under a topic, in order; the guardian removes anything the viewer may not see. */
  'topic-suggestions': { value: SuggestedTopic[]; context: { viewer: Viewer; topic: Topic; limit: number } };
  /**
   * Where a received email goes. The value is core's answer (a reply found by reply key, Message-ID
   * or subject token, or a category's incoming address) or null; return a destination to claim the
   * mail, or null to refuse it. Fires inside the decision's transaction (`trx`).
   */
  'email-destination': { value: EmailDestination | null; context: { mail: IncomingMail; trx: Transaction<DB> } };
  /**
   * The user a received email is from: the owner of the sender's address, or null. Return a user
   * id to take in an unknown sender (staged accounts); null refuses the mail. Fires inside the transaction.
   */
  'email-sender': { value: number | null; context: { mail: IncomingMail; destination: EmailDestination; trx: Transaction<DB> } };
  /**
   * Someone signs up. Return a takeover (with what to tell them: "check your mail") to handle the
   * signup yourself (staged-accounts claims a staged address this way); null lets core create the
   * account. Runs before anything is written.
   */
  'signup': { value: SignupTakeover | null; context: { username: string; name: string; email: string; password: string; next: string | null } };
  /**
   * The people besides its sender that a new message from email takes in (its Cc'd addresses,
   * say), each with the user who owns the address or null. Plugins map unknown addresses to users
   * (staged accounts) or drop entries; whoever is left with a user id joins the message. Fires
   * inside the decision's transaction.
   */
  'email-participants': { value: EmailParticipant[]; context: { mail: IncomingMail; trx: Transaction<DB> } };
  /**
   * The nodemailer URL of a named transport (a draft's `transport`), looked up each time a message
   * goes out by it; null sends it by the site's SMTP_URL.
   */
  'email-transport': { value: string | null; context: { name: string } };
  /**
   * Every outgoing message, just before it is recorded: return it with another From identity (a
   * group's address and name), extra headers or other text. `kind` is the draft's ('notification',
   * 'rejection', …); `topic` and `post` are set for mail about a post, `userId` for mail to a user.
   * Fires inside the transaction of whatever sends the mail (`trx`); a throw rolls it back.
   */
  'outgoing-email': { value: OutgoingDraft; context: { kind: string; topic: Topic | null; post: Post | null; userId: number | null; trx: Transaction<DB> } };
}

export type ActionName = keyof ActionHooks;
export type FilterName = keyof FilterHooks;
export type FilterValue<K extends FilterName> = FilterHooks[K]['value'];
export type FilterContext<K extends FilterName> = FilterHooks[K]['context'];
export type ActionHandler<K extends ActionName> = (payload: ActionHooks[K]) => void | Promise<void>;
export type FilterHandler<K extends FilterName> = (value: FilterValue<K>, context: FilterContext<K>) => FilterValue<K> | Promise<FilterValue<K>>;
