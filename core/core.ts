import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { DB } from './db/schema.ts';
import type { Hooks } from './hooks/hooks.ts';
import type { Jobs } from './jobs/jobs.ts';
import type { MailServices } from './mail/mail.ts';
import type { Guardian } from './permissions/guardian.ts';
import type { PluginRegistry } from './plugins/plugin-registry.ts';
import type { EventBus } from './realtime/event-bus.ts';
import type { LiveHub } from './realtime/live-hub.ts';
import type { Presence } from './realtime/presence.ts';
import type { Services } from './services.ts';
import type { ViewEngine } from './web/view-engine.ts';

/** A clock that tests can replace (auto-replies, purges and rate limits read time through it). */
export type Clock = () => Date;

/** Everything one running Parley holds: built by `buildApp`, available as `app.parley`. */
export interface Core {
  readonly config: Config;
  readonly database: Database;
  readonly db: Kysely<DB>;
  readonly hooks: Hooks;
  readonly bus: EventBus;
  /** This process's websocket connections, and who is viewing or replying where. */
  readonly live: { hub: LiveHub; presence: Presence };
  readonly jobs: Jobs;
  readonly plugins: PluginRegistry;
  readonly views: ViewEngine;
  readonly guardian: Guardian;
  readonly services: Services;
  /** Receiving and sending mail. */
  readonly mail: MailServices;
  readonly log: FastifyBaseLogger;
  /** Every route the app serves (core and plugins), as registered: for admin and for tests that walk them all. */
  readonly routes: ReadonlyArray<{ method: string; url: string }>;
  clock: Clock;
}
