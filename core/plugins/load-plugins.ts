import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtinPlugins } from '../../plugins/index.ts';
import { parleyError } from '../errors.ts';
import type { AnyPlugin } from './define-plugin.ts';

/** Built-in plugins plus any listed in PARLEY_PLUGINS (comma-separated module paths exporting a plugin as default). */
export async function loadInstalledPlugins(env: NodeJS.ProcessEnv = process.env): Promise<AnyPlugin[]> {
  const extra = (env.PARLEY_PLUGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const loaded: AnyPlugin[] = [];
  for (const spec of extra) {
    const url = spec.startsWith('.') || spec.startsWith('/') ? pathToFileURL(path.resolve(spec)).href : spec;
    const mod = await import(url).catch((err: Error) => { throw parleyError('PLUGIN_BOOT', `Cannot load plugin ${spec}: ${err.message}`); });
    const plugin = (mod.default ?? mod.plugin) as AnyPlugin | undefined;
    if (!plugin?.name || typeof plugin.register !== 'function') throw parleyError('PLUGIN_BOOT', `${spec} does not export a plugin (export default definePlugin({...})).`);
    loaded.push(plugin);
  }
  return [...builtinPlugins, ...loaded];
}
