import { ParleyError, parleyError } from '../errors.ts';
import type { ActionHandler, ActionHooks, ActionName, FilterContext, FilterHandler, FilterName, FilterValue } from './hook-types.ts';

export interface HandlerOptions {
  /** The plugin that owns the handler; its handlers go silent while it is disabled. Omit for core. */
  plugin?: string;
  /** Lower runs first; ties keep registration order (which follows plugin load order). Default 100. */
  priority?: number;
}

interface Entry<F> { fn: F; plugin: string | null; priority: number; seq: number }

export interface HookLogger { error(obj: object, msg: string): void }

/** The typed hook bus: one per app. */
export class Hooks {
  private readonly actions = new Map<string, Entry<ActionHandler<any>>[]>();
  private readonly filters = new Map<string, Entry<FilterHandler<any>>[]>();
  private seq = 0;

  constructor(private readonly isEnabled: (plugin: string) => boolean, private readonly log: HookLogger) {}

  onAction<K extends ActionName>(name: K, fn: ActionHandler<K>, opts: HandlerOptions = {}): () => void {
    return this.add(this.actions, name, fn, opts);
  }

  onFilter<K extends FilterName>(name: K, fn: FilterHandler<K>, opts: HandlerOptions = {}): () => void {
    return this.add(this.filters, name, fn, opts);
  }

  /** Runs every enabled handler of a filter in order. A throw becomes a veto naming the plugin. */
  async filter<K extends FilterName>(name: K, value: FilterValue<K>, context: FilterContext<K>): Promise<FilterValue<K>> {
    let current = value;
    for (const entry of this.live(this.filters, name)) {
      try {
        current = await entry.fn(current, context);
      } catch (err) {
        throw vetoError(name, entry.plugin, err);
      }
      if (current === undefined) {
        throw parleyError('INTERNAL', `The ${name} filter of ${entry.plugin ?? 'core'} returned nothing.`, { plugin: entry.plugin ?? undefined });
      }
    }
    return current;
  }

  /** Runs every enabled handler of an action, in order, each isolated: errors are logged, never thrown. */
  async action<K extends ActionName>(name: K, payload: ActionHooks[K]): Promise<void> {
    for (const entry of this.live(this.actions, name)) {
      try {
        await entry.fn(payload);
      } catch (err) {
        this.log.error({ err, hook: name, plugin: entry.plugin ?? 'core' }, `action hook ${name} of ${entry.plugin ?? 'core'} failed`);
      }
    }
  }

  /** How many handlers are registered per hook (enabled or not), for admin and tests. */
  registered(): { actions: Record<string, number>; filters: Record<string, number> } {
    const count = (m: Map<string, unknown[]>) => Object.fromEntries([...m].map(([k, v]) => [k, v.length]));
    return { actions: count(this.actions), filters: count(this.filters) };
  }

  private add<F>(map: Map<string, Entry<F>[]>, name: string, fn: F, opts: HandlerOptions): () => void {
    const entry: Entry<F> = { fn, plugin: opts.plugin ?? null, priority: opts.priority ?? 100, seq: this.seq++ };
    const list = [...(map.get(name) ?? []), entry].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    map.set(name, list);
    return () => map.set(name, (map.get(name) ?? []).filter((e) => e !== entry));
  }

  private live<F>(map: Map<string, Entry<F>[]>, name: string): Entry<F>[] {
    return (map.get(name) ?? []).filter((e) => e.plugin === null || this.isEnabled(e.plugin));
  }
}

function vetoError(hook: string, plugin: string | null, err: unknown): ParleyError {
  const owner = plugin ?? 'core';
  if (err instanceof ParleyError) {
    if (err.plugin || !plugin) return err;
    return parleyError(codeOf(err), err.message, { plugin, details: err.details, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return parleyError('VETOED', `${owner} stopped this (${hook}): ${message}`, { plugin: plugin ?? undefined, cause: err });
}

function codeOf(err: ParleyError): ConstructorParameters<typeof ParleyError>[0] {
  return err.code.replace(/^PARLEY_ERR_/, '') as ConstructorParameters<typeof ParleyError>[0];
}
