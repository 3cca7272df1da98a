import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { notFound, parleyError } from '../errors.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import type { AnyPlugin } from './define-plugin.ts';

const CHANGED = 'parley:plugins-changed';

export interface PluginInfo {
  name: string;
  version: string;
  description: string;
  dependsOn: string[];
  enabled: boolean;
  settings: Record<string, unknown>;
  settingsSchema: unknown;
}

/**
 * Which plugins are on and what their settings are. Read on every hook fire and request, so it is
 * cached in memory; every write goes to the database and tells all processes to reload.
 */
export class PluginRegistry {
  private enabledFlags = new Map<string, boolean>();
  private settingsCache = new Map<string, Record<string, unknown>>();

  constructor(private readonly db: Kysely<DB>, private readonly bus: EventBus, readonly plugins: readonly AnyPlugin[]) {}

  async start(): Promise<void> {
    await this.reload();
    this.bus.subscribe(CHANGED, async () => { await this.reload(); });
  }

  /** A plugin is live when it and every plugin it depends on are enabled. */
  isEnabled(name: string): boolean {
    const plugin = this.plugins.find((p) => p.name === name);
    if (!plugin || !this.enabledFlags.get(name)) return false;
    return (plugin.dependsOn ?? []).every((dep) => this.isEnabled(dep));
  }

  settings<T = Record<string, unknown>>(name: string): T {
    return (this.settingsCache.get(name) ?? {}) as T;
  }

  list(): PluginInfo[] {
    return this.plugins.map((p) => ({
      name: p.name, version: p.version, description: p.description ?? '', dependsOn: p.dependsOn ?? [],
      enabled: this.isEnabled(p.name), settings: this.settings(p.name), settingsSchema: p.settings ?? null,
    }));
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    this.find(name);
    await this.write(name, { enabled });
  }

  /** Validates against the plugin's schema; a bad value is a 400 naming the setting. */
  async updateSettings(name: string, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    const plugin = this.find(name);
    const schema = plugin.settings;
    if (!schema) throw parleyError('BAD_INPUT', `Plugin ${name} has no settings.`, { plugin: name });
    const merged: Record<string, unknown> = { ...this.settings<Record<string, unknown>>(name), ...patch };
    const next = Value.Default(schema, Value.Convert(schema, merged)) as Record<string, unknown>;
    const unknownKeys = Object.keys(patch).filter((k) => !(k in schema.properties));
    if (unknownKeys.length) throw parleyError('BAD_INPUT', `Plugin ${name} has no setting ${unknownKeys.join(', ')}.`, { plugin: name, details: { field: unknownKeys[0] } });
    if (!Value.Check(schema, next)) {
      const first = [...Value.Errors(schema, next)][0];
      const field = first?.path.replace(/^\//, '') || '?';
      throw parleyError('BAD_INPUT', `Setting ${field} of ${name}: ${first?.message ?? 'invalid value'}.`, { plugin: name, details: { field } });
    }
    const changed = Object.fromEntries(Object.keys(patch).map((k) => [`setting:${k}`, next[k]]));
    await this.write(name, changed);
    return next;
  }

  private find(name: string): AnyPlugin {
    const plugin = this.plugins.find((p) => p.name === name);
    if (!plugin) throw notFound(`Plugin ${name}`);
    return plugin;
  }

  private async write(name: string, values: Record<string, unknown>): Promise<void> {
    const rows = Object.entries(values).map(([key, value]) => ({ plugin: name, name: key, value: JSON.stringify(value) }));
    if (rows.length === 0) return;
    await this.db.insertInto('plugin_settings').values(rows)
      .onConflict((oc) => oc.columns(['plugin', 'name']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: new Date() })))
      .execute();
    await this.reload();
    await this.bus.publish(CHANGED, { plugin: name }, { persist: false });
  }

  private async reload(): Promise<void> {
    const rows = await this.db.selectFrom('plugin_settings').select(['plugin', 'name', 'value']).execute();
    const flags = new Map<string, boolean>();
    const settings = new Map<string, Record<string, unknown>>();
    for (const p of this.plugins) {
      flags.set(p.name, p.enabledByDefault ?? true);
      settings.set(p.name, {});
    }
    for (const row of rows) {
      const own = settings.get(row.plugin);
      if (!own) continue; // a plugin that is no longer installed
      if (row.name === 'enabled') flags.set(row.plugin, Boolean(row.value));
      else if (row.name.startsWith('setting:')) own[row.name.slice(8)] = row.value;
    }
    for (const p of this.plugins) {
      settings.set(p.name, p.settings ? Value.Default(p.settings, Value.Clone(settings.get(p.name)!)) as Record<string, unknown> : {});
    }
    this.enabledFlags = flags;
    this.settingsCache = settings;
  }
}
