// Core's mail: the receiving pipeline, the sender, templates and Parley's own addresses, wired once per app.
import type { Kysely, Transaction } from 'kysely';
import { siteSettings } from '../admin/site-settings.ts';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { Guardian } from '../permissions/guardian.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import type { Services } from '../services.ts';
import { mailAddresses, type MailAddresses } from './addresses.ts';
import { ImapManager } from './imap/imap-manager.ts';
import { MailReceiver } from './receive/mail-receiver.ts';
import { EmailTemplates } from './send/email-templates.ts';
import { Mailer } from './send/mailer.ts';
import { notificationMail } from './send/notification-mail.ts';
import { siteSettingsIn } from './send/settings-in.ts';

export interface MailServices {
  receiver: MailReceiver;
  mailer: Mailer;
  templates: EmailTemplates;
  /** IMAP mailboxes: polled by worker processes, one process per mailbox. */
  imap: ImapManager;
  /** Parley's own addresses, from the current site settings (as `trx` sees them, inside a transaction). */
  addresses(trx?: Transaction<DB>): Promise<MailAddresses>;
}

export interface MailDeps {
  db: Kysely<DB>;
  bus: EventBus;
  hooks: Hooks;
  guardian: Guardian;
  services: Services;
  jobs: Jobs;
  config: Pick<Config, 'smtpUrl' | 'baseUrl'> & Partial<Pick<Config, 'runJobs'>>;
  now: () => Date;
  log: { error(obj: unknown, msg?: string): void };
}

export function createMail(deps: MailDeps): MailServices {
  const settings = () => siteSettings(deps).get();
  // Inside a transaction: the cache once it is loaded, else the settings as the transaction sees them.
  const settingsIn = async (trx: Transaction<DB>) => siteSettings(deps).settled() ?? siteSettingsIn(trx);
  const addresses = async (trx?: Transaction<DB>) => mailAddresses(trx ? await settingsIn(trx) : await settings(), deps.config.baseUrl);
  const templates = new EmailTemplates();
  const mailer = new Mailer({ db: deps.db, jobs: deps.jobs, hooks: deps.hooks, smtpUrl: deps.config.smtpUrl, addresses, log: deps.log, now: deps.now });
  const receiver = new MailReceiver({ ...deps, mailer, templates, addresses, settings, baseUrl: deps.config.baseUrl });
  deps.services.notifications.emailDispatcher = notificationMail({ mailer, templates, baseUrl: deps.config.baseUrl, settingsIn });
  const imap = new ImapManager({ db: deps.db, bus: deps.bus, log: deps.log, now: deps.now, active: deps.config.runJobs !== false, receive: (raw, meta) => receiver.receive(raw, meta) });
  return { receiver, mailer, templates, imap, addresses };
}

/** Starts the workers: sending, deciding mail a crash left undecided, and polling IMAP mailboxes. */
export async function startMail(mail: MailServices): Promise<void> {
  await mail.mailer.start();
  await mail.receiver.start();
  await mail.imap.start();
}
