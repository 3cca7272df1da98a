import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { Core } from '../core.ts';
import type { DB } from '../db/schema.ts';
import type { ActionHandler, ActionHooks, ActionName, FilterContext, FilterHandler, FilterName, FilterValue } from '../hooks/hook-types.ts';
import type { JobHandler, JobOptions } from '../jobs/jobs.ts';
import type { Guardian } from '../permissions/guardian.ts';
import type { Audience, BusHandler } from '../realtime/event-bus.ts';
import type { Services } from '../services.ts';
import { flash, renderPage } from '../web/render.ts';
import { startSession } from '../auth/auth.routes.ts';
import { inTransactionWithin } from '../db/unit-of-work.ts';
import { blockSender } from '../mail/receive/sender.ts';
import type { DraftSubject, OutgoingDraft } from '../mail/send/mailer.ts';
import type { User } from '../users/users.table.ts';
import type { OutletContent } from '../web/view-engine.ts';

/** What a plugin's `register(ctx)` receives: the whole API a plugin may use. */
export interface PluginContext<S = Record<string, unknown>, Tables = {}> {
  readonly name: string;
  /** The database, widened with the plugin's own tables. A plugin writes only its own tables; core rows change through `forum`. */
  readonly db: Kysely<DB & Tables>;
  readonly hooks: {
    onAction<K extends ActionName>(name: K, fn: ActionHandler<K>, opts?: { priority?: number }): void;
    onFilter<K extends FilterName>(name: K, fn: FilterHandler<K>, opts?: { priority?: number }): void;
    /** Run a filter (for hooks this plugin declares). */
    filter<K extends FilterName>(name: K, value: FilterValue<K>, context: FilterContext<K>): Promise<FilterValue<K>>;
    /** Fire an action (for hooks this plugin declares); call it after your transaction commits. */
    action<K extends ActionName>(name: K, payload: ActionHooks[K]): Promise<void>;
  };
  /** The plugin's own fastify scope: its routes answer 404 while the plugin is disabled. */
  readonly http: FastifyInstance;
  readonly web: {
    /** Fill a named outlet of the core templates (e.g. 'topic-footer'). */
    outlet(name: string, content: OutletContent): void;
    /** Register a partial, namespaced as `<plugin>/<name>`. */
    partial(name: string, source: string): void;
    render(page: string, data: Record<string, unknown>): string;
    /** Register a page template of the plugin, named `<plugin>/<name>`, for `page()`. */
    view(name: string, source: string): void;
    /**
     * Answers a request with one of the plugin's pages (`view`) inside the site's layout, with
     * everything core pages know (who is looking, their counts, a CSRF token for forms, flash).
     */
    page(req: FastifyRequest, reply: FastifyReply, name: string, data: Record<string, unknown>, status?: number): Promise<FastifyReply>;
    /** Leaves a notice or an error for the next page this browser renders (after a redirect). */
    flash(reply: FastifyReply, kind: 'notice' | 'error', message: string): void;
  };
  readonly jobs: {
    /** Queue names are prefixed with the plugin's name. */
    send<T extends object>(queue: string, data: T, opts?: JobOptions): Promise<string | null>;
    work<T>(queue: string, handler: JobHandler<T>): Promise<void>;
    schedule(queue: string, cron: string, data?: object): Promise<void>;
  };
  readonly realtime: {
    publish(channel: string, payload: unknown, audience?: Audience): Promise<number | null>;
    subscribe(channel: string, handler: BusHandler): () => void;
  };
  readonly settings: {
    /** Current settings, with defaults filled in. */
    get(): S;
    update(patch: Partial<S>): Promise<S>;
  };
  readonly mail: {
    /**
     * Sends a message (through the outbox and the send jobs, like all of Parley's mail). Within a
     * transaction (`within`, a hook's `trx`) it is recorded there and goes out only if that commits.
     * `about` names the topic and post the mail is about, for the `outgoing-email` filter (a group
     * inbox sends mail about its messages under the group's identity).
     */
    send(draft: OutgoingDraft, within?: Kysely<DB>, about?: DraftSubject): Promise<void>;
    /** Parley's public URL, for links in mail. */
    baseUrl(): string;
    /** Whether an address is one of Parley's own (its From address, a reply-key or bounce address), as `within` sees the settings. */
    isOwnAddress(address: string, within?: Kysely<DB>): Promise<boolean>;
    /**
     * Puts a sender's address (or domain) on the admins' block list (`/admin/email/senders`): their
     * next mail is rejected as `sender_blocked`. `note` records who blocked it and why. Answers
     * whether the entry is new, and the allow-list entry that still lets them through, if any.
     */
    blockSender(pattern: string, note: string, within?: Kysely<DB>): Promise<{ added: boolean; allowedBy: string | null }>;
  };
  readonly auth: {
    /** Signs the browser in as this user (a session cookie), as logging in does. */
    startSession(req: FastifyRequest, reply: FastifyReply, user: User): Promise<void>;
  };
  /** Whether this plugin is enabled right now. */
  enabled(): boolean;
  /** Core's operations: users, groups, topics, posts, notifications, search. */
  readonly forum: Services;
  readonly guardian: Guardian;
  readonly log: FastifyBaseLogger;
  readonly config: Readonly<Config>;
  /** The current time (tests inject a clock). */
  now(): Date;
}

export function createPluginContext<S, Tables>(core: Core, name: string, scope: FastifyInstance): PluginContext<S, Tables> {
  const jobName = (q: string) => `${name}.${q}`;
  return {
    name,
    db: core.db as unknown as Kysely<DB & Tables>,
    hooks: {
      onAction: (hook, fn, opts) => { core.hooks.onAction(hook, fn, { ...opts, plugin: name }); },
      onFilter: (hook, fn, opts) => { core.hooks.onFilter(hook, fn, { ...opts, plugin: name }); },
      filter: (hook, value, context) => core.hooks.filter(hook, value, context),
      action: (hook, payload) => core.hooks.action(hook, payload),
    },
    http: scope,
    web: {
      outlet: (outlet, content) => core.views.addOutlet(outlet, content, name),
      partial: (partial, source) => core.views.registerPartial(`${name}/${partial}`, source),
      render: (page, data) => core.views.render(page, data),
      view: (view, source) => core.views.registerPage(`${name}/${view}`, source),
      page: (req, reply, view, data, status) => renderPage(core, req, reply, `${name}/${view}`, data, status),
      flash: (reply, kind, message) => flash(reply, kind, message),
    },
    jobs: {
      send: (q, data, opts) => core.jobs.send(jobName(q), data, opts),
      // A job of a disabled plugin fails instead of completing, so pg-boss keeps it and retries it later.
      work: <T,>(q: string, handler: JobHandler<T>) => core.jobs.work<T>(jobName(q), async (job) => {
        if (!core.plugins.isEnabled(name)) throw new Error(`Plugin ${name} is disabled; the job waits for a retry.`);
        await handler(job);
      }),
      schedule: (q, cron, data) => core.jobs.schedule(jobName(q), cron, data),
    },
    realtime: {
      publish: (channel, payload, audience) => core.bus.publish(channel, payload, audience),
      subscribe: (channel, handler) => core.bus.subscribe(channel, async (e) => { if (core.plugins.isEnabled(name)) await handler(e); }),
    },
    settings: {
      get: () => core.plugins.settings<S>(name),
      update: async (patch) => (await core.plugins.updateSettings(name, patch as Record<string, unknown>)) as S,
    },
    mail: {
      send: (draft, within, about) => inTransactionWithin(core, within, async (work) => { await core.mail.mailer.queue(work, draft, about); }),
      baseUrl: () => core.config.baseUrl,
      isOwnAddress: async (address, within) => (await core.mail.addresses(within as Transaction<DB> | undefined)).isOwn(address),
      blockSender: (pattern, note, within) => blockSender(within ?? core.db, pattern, note),
    },
    auth: { startSession: (req, reply, user) => startSession(core, req, reply, user) },
    enabled: () => core.plugins.isEnabled(name),
    forum: core.services,
    guardian: core.guardian,
    log: core.log.child({ plugin: name }),
    config: core.config,
    now: () => core.clock(),
  };
}

export type { FastifyInstance, FastifyBaseLogger, FastifyRequest, FastifyReply };
