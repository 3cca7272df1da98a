import type { Static, TObject } from '@sinclair/typebox';
import { parleyError } from '../errors.ts';
import type { PluginContext } from './plugin-context.ts';

/**
 * A plugin: plain data the core can list and validate before running anything, plus `register`.
 * `Tables` widens `ctx.db` with the plugin's own tables.
 */
export interface PluginManifest<S extends TObject = TObject, Tables = {}> {
  /** kebab-case; also the folder name and the settings prefix. */
  name: string;
  version: string;
  description?: string;
  /** Plugins that must load (and be enabled) before this one. */
  dependsOn?: string[];
  /** Typed settings with defaults (a TypeBox object schema); editable in admin. */
  settings?: S;
  /** Enabled on a fresh install? Default true. */
  enabledByDefault?: boolean;
  /** Absolute path of the plugin's migrations folder (its own ledger). */
  migrations?: string;
  register(ctx: PluginContext<Static<S>, Tables>): void | Promise<void>;
}

export type AnyPlugin = PluginManifest<any, any>;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function definePlugin<S extends TObject = TObject<{}>, Tables = {}>(manifest: PluginManifest<S, Tables>): PluginManifest<S, Tables> {
  if (!NAME.test(manifest.name)) {
    throw parleyError('PLUGIN_BOOT', `Plugin name "${manifest.name}" must be kebab-case (like "group-inbox").`, { plugin: manifest.name });
  }
  return manifest;
}

/** Load order: dependencies first, ties by name. A missing dependency or a cycle stops boot, naming the plugin. */
export function orderPlugins(plugins: readonly AnyPlugin[]): AnyPlugin[] {
  const byName = new Map<string, AnyPlugin>();
  for (const p of plugins) {
    if (byName.has(p.name)) throw parleyError('PLUGIN_BOOT', `Plugin ${p.name} is registered twice.`, { plugin: p.name });
    byName.set(p.name, p);
  }
  const ordered: AnyPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: AnyPlugin, path: string[]): void => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting') {
      throw parleyError('PLUGIN_BOOT', `Plugin ${p.name} has a dependency cycle: ${[...path, p.name].join(' -> ')}.`, { plugin: p.name });
    }
    state.set(p.name, 'visiting');
    for (const dep of [...(p.dependsOn ?? [])].sort()) {
      const target = byName.get(dep);
      if (!target) throw parleyError('PLUGIN_BOOT', `Plugin ${p.name} depends on ${dep}, which is not installed.`, { plugin: p.name });
      visit(target, [...path, p.name]);
    }
    state.set(p.name, 'done');
    ordered.push(p);
  };
  for (const p of [...plugins].sort((a, b) => a.name.localeCompare(b.name))) visit(p, []);
  return ordered;
}
