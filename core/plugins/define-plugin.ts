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

/**
 * Load order: a plugin loads once everything it depends on has; among those ready, the first by
 * name. A missing dependency or a cycle stops boot, naming the plugin.
 */
export function orderPlugins(plugins: readonly AnyPlugin[]): AnyPlugin[] {
  const byName = new Map<string, AnyPlugin>();
  for (const p of plugins) {
    if (byName.has(p.name)) throw parleyError('PLUGIN_BOOT', `Plugin ${p.name} is registered twice.`, { plugin: p.name });
    byName.set(p.name, p);
  }
  for (const p of plugins) {
    const missing = (p.dependsOn ?? []).find((dep) => !byName.has(dep));
    if (missing) throw parleyError('PLUGIN_BOOT', `Plugin ${p.name} depends on ${missing}, which is not installed.`, { plugin: p.name });
  }
  const ordered: AnyPlugin[] = [];
  const loaded = new Set<string>();
  let pending = [...plugins].sort((a, b) => a.name.localeCompare(b.name));
  while (pending.length) {
    const next = pending.find((p) => (p.dependsOn ?? []).every((dep) => loaded.has(dep)));
    if (!next) throw cycleError(pending);
    ordered.push(next);
    loaded.add(next.name);
    pending = pending.filter((p) => p !== next);
  }
  return ordered;
}

/** Names the plugins of one cycle, following dependencies from the first stuck plugin. */
function cycleError(stuck: AnyPlugin[]) {
  const byName = new Map(stuck.map((p) => [p.name, p]));
  const path: string[] = [];
  let at: AnyPlugin | undefined = stuck[0];
  while (at && !path.includes(at.name)) {
    path.push(at.name);
    at = byName.get((at.dependsOn ?? []).find((d) => byName.has(d)) ?? '');
  }
  const cycle = at ? [...path.slice(path.indexOf(at.name)), at.name] : path;
  return parleyError('PLUGIN_BOOT', `Plugin ${cycle[0]} has a dependency cycle: ${cycle.join(' -> ')}.`, { plugin: cycle[0] });
}
