import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { Core } from '../core.ts';
import type { DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';
import type { EventBus } from '../realtime/event-bus.ts';

const CHANGED = 'parley:site-settings-changed';

/** The site's own settings, one row per name in `site_settings`; absent rows mean the default. */
export const SiteSettingsSchema = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 100, default: 'Parley', title: 'Site title', description: 'Shown in the header and in every page title.' }),
  description: Type.String({ maxLength: 1000, default: '', description: 'A sentence or two about this community, for search engines and the front page.' }),
  contactEmail: Type.String({
    maxLength: 200, default: '', pattern: '^$|^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$', title: 'Contact email',
    description: 'Where people can reach the site’s staff; leave empty to show none.', errorMessage: 'must be an email address (or empty)',
  }),
  loginRequired: Type.Boolean({ default: false, title: 'Login required', description: 'Visitors must log in before they can read anything.' }),
  emailFrom: Type.String({
    maxLength: 200, default: '', pattern: '^$|^[^\\s@<>]+@[^\\s@<>]+$', title: 'Email from',
    description: 'The address Parley’s mail comes from; empty means noreply@ the site’s host name.', errorMessage: 'must be an email address (or empty)',
  }),
  replyByEmailAddress: Type.String({
    maxLength: 200, default: '', pattern: '^$|^[^\\s@<>]*%\\{key\\}[^\\s@<>]*@[^\\s@<>]+$', title: 'Reply-by-email address',
    description: 'Where replies to notification mail go, with %{key} where each reader’s reply key belongs (reply+%{key}@example.com); empty means reply+%{key}@ the mail domain.',
    errorMessage: 'must be an address with %{key} before the @ (or empty)',
  }),
  bounceAddress: Type.String({
    maxLength: 200, default: '', pattern: '^$|^[^\\s@<>]*%\\{key\\}[^\\s@<>]*@[^\\s@<>]+$', title: 'Bounce address',
    description: 'The return path of outgoing mail, with %{key} for the message (VERP), so a bounce names the address that failed; empty means bounce+%{key}@ the mail domain.',
    errorMessage: 'must be an address with %{key} before the @ (or empty)',
  }),
  emailSubjectToken: Type.String({
    maxLength: 20, default: 'Topic', pattern: '^[A-Za-z0-9-]*$', title: 'Email subject token',
    description: 'Outgoing subjects end in [Token#123]; a reply that lost every other thread marker still finds its topic by it. Empty turns the token off.',
    errorMessage: 'must be letters, digits or dashes (or empty)',
  }),
  emailSoftBounceLimit: Type.Integer({
    minimum: 1, maximum: 100, default: 3, title: 'Soft bounces before mail stops',
    description: 'Temporary delivery failures (4.x) to one address before Parley stops mailing it. A hard bounce (5.x) stops it at once.',
  }),
});
export type SiteSettings = Static<typeof SiteSettingsSchema>;

/**
 * Typed site settings, cached in memory. A write goes to the database and tells every process
 * (this one included) to drop its cache, like the plugin registry does.
 */
export class SiteSettingsService {
  private cache: Promise<SiteSettings> | null = null;
  private loaded: SiteSettings | null = null;

  constructor(private readonly db: Kysely<DB>, private readonly bus: EventBus) {
    bus.subscribe(CHANGED, () => { this.drop(); });
  }

  /** The current settings, defaults filled in. */
  get(): Promise<SiteSettings> {
    if (!this.cache) {
      const loading: Promise<SiteSettings> = this.load().then(
        (settings) => { if (this.cache === loading) this.loaded = settings; return settings; },
        (err: unknown) => { if (this.cache === loading) this.cache = null; throw err; });
      this.cache = loading;
    }
    return this.cache;
  }

  /**
   * The cached settings when they are loaded, without waiting: code inside a transaction that must
   * not wait for another connection (PGlite has one) reads them through its transaction otherwise.
   */
  settled(): SiteSettings | null {
    return this.loaded;
  }

  private drop(): void {
    this.cache = null;
    this.loaded = null;
  }

  /** Validates the whole result first; a bad value is a 400 naming the setting, and nothing is written. */
  async update(patch: Record<string, unknown>): Promise<SiteSettings> {
    const unknownKeys = Object.keys(patch).filter((k) => !(k in SiteSettingsSchema.properties));
    if (unknownKeys.length) throw badInput(`There is no site setting ${unknownKeys.join(', ')}.`, { field: unknownKeys[0] });
    const next = Value.Default(SiteSettingsSchema, Value.Convert(SiteSettingsSchema, { ...(await this.get()), ...patch }));
    if (!Value.Check(SiteSettingsSchema, next)) {
      const error = [...Value.Errors(SiteSettingsSchema, next)][0];
      const field = error?.path.replace(/^\//, '') || '?';
      const message = (error?.schema as { errorMessage?: string } | undefined)?.errorMessage ?? error?.message ?? 'is not valid';
      throw badInput(`Setting ${field}: ${message}.`, { field });
    }
    const settings = next as SiteSettings;
    const rows = Object.keys(patch).map((name) => ({ name, value: JSON.stringify(settings[name as keyof SiteSettings]) }));
    if (rows.length) {
      await this.db.insertInto('site_settings').values(rows)
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: new Date() })))
        .execute();
    }
    this.drop();
    await this.bus.publish(CHANGED, {}, { persist: false });
    return this.get();
  }

  private async load(): Promise<SiteSettings> {
    const rows = await this.db.selectFrom('site_settings').select(['name', 'value']).execute();
    const props: Record<string, TSchema> = SiteSettingsSchema.properties;
    // A row that no longer fits its schema (written by an older version) falls back to the default rather than breaking pages.
    const stored = Object.fromEntries(rows.filter((r) => props[r.name] && Value.Check(props[r.name], r.value)).map((r) => [r.name, r.value]));
    return Value.Default(SiteSettingsSchema, stored) as SiteSettings;
  }
}

const services = new WeakMap<object, SiteSettingsService>();

/** The one site settings service of this core, created on first use. */
export function siteSettings(core: Pick<Core, 'db' | 'bus'>): SiteSettingsService {
  let service = services.get(core);
  if (!service) {
    service = new SiteSettingsService(core.db, core.bus);
    services.set(core, service);
  }
  return service;
}
