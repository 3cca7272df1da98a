/**
 * The plugin API: the only module a plugin imports from core (a lint rule enforces it).
 *
 * A plugin is `definePlugin({ name, version, dependsOn, settings, migrations, register })`.
 * `register(ctx)` receives a {@link PluginContext}: the database (widened with the plugin's
 * tables), typed hooks, its own fastify scope, template outlets, jobs, live events, typed
 * settings, core's services (`ctx.forum`) and the guardian. See README's plugin guide.
 */
export { definePlugin, type PluginManifest } from './plugins/define-plugin.ts';
export type { PluginContext, FastifyRequest, FastifyReply } from './plugins/plugin-context.ts';
export type {
  ActionHooks, FilterHooks, ActionName, FilterName, NotificationDispatch, NotificationChannel,
  TopicPredicate, PostPredicate, VisibilityRules, SuggestedTopic, ProvisionSource, TopicListName, EmailParticipant, SignupTakeover,
} from './hooks/hook-types.ts';
export type { Viewer } from './permissions/viewer.ts';
export { isStaff } from './permissions/viewer.ts';
/** Whether a user is on a message's team (staff, or in one of its groups), as a SQL condition: the customer is whoever is not. */
export { onMessageTeam } from './permissions/message-team.ts';
/** Route guards: a signed-in viewer (else 401), an admin (else 403). */
export { requireUser, requireAdmin } from './http/viewer.ts';
export type { Topic, Archetype } from './topics/topics.table.ts';
export type { Post, PostVia, PostTypeId } from './posts/posts.table.ts';
export type { DraftBase, ReplyConflict } from './posts/posts.service.ts';
export { PostType } from './posts/posts.table.ts';
export type { User } from './users/users.table.ts';
export type { Group, NotificationLevel } from './groups/groups.table.ts';
export type { Notification } from './notifications/notifications.table.ts';
export type { Job, JobOptions } from './jobs/jobs.ts';
/** Mail: where received mail goes (`email-destination`), who sent it (`email-sender`), what was parsed. */
export type { EmailDestination, IncomingMail, ThreadVia } from './mail/receive/destination.ts';
export type { ParsedEmail, ParsedAddress, ParsedAttachment } from './mail/parse/index.ts';
export type { OutgoingDraft } from './mail/send/mailer.ts';
export type { IncomingSource, IncomingStatus, TraceStep } from './mail/mail.table.ts';
export type { BusEvent, Audience } from './realtime/event-bus.ts';
export { ParleyError, parleyError, badInput, forbidden, notFound } from './errors.ts';
/** HTML-escapes text for an outlet or a page a plugin writes by hand (`<` becomes `&#60;`). */
export const escapeHtml = (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Markdown to sanitised HTML, exactly as posts are cooked (no raw HTML, safe links), for a plugin's own Markdown (case notes). */
export { cook } from './posts/cook.ts';
/** Schema builders for typed settings and route schemas. */
export { Type, type Static } from '@sinclair/typebox';
/** kysely's `sql` tag and types, for the plugin's own queries and migrations. */
export { sql, type Kysely, type Generated, type Selectable, type Insertable, type SqlBool, type RawBuilder, type Expression } from 'kysely';
