import type { Kysely, Transaction } from 'kysely';
import type { ActionHooks, ActionName } from '../hooks/hook-types.ts';
import type { Hooks } from '../hooks/hooks.ts';
import type { DB } from './schema.ts';

/** A running operation: its transaction, plus what to do once it has committed. */
export interface Work {
  trx: Transaction<DB>;
  /** Queue an action hook; it fires after commit, and not at all on rollback. */
  emit<K extends ActionName>(name: K, payload: ActionHooks[K]): void;
  afterCommit(fn: () => Promise<void> | void): void;
}

/**
 * Runs `fn` in one transaction. Filter hooks called inside it can veto (throw) and roll it all
 * back; action hooks queued with `emit` fire in order after the commit.
 */
export async function inTransaction<T>(deps: { db: Kysely<DB>; hooks: Hooks }, fn: (work: Work) => Promise<T>): Promise<T> {
  const after: Array<() => Promise<void> | void> = [];
  const result = await deps.db.transaction().execute((trx) => {
    const work: Work = {
      trx,
      emit: (name, payload) => { after.push(() => deps.hooks.action(name, payload)); },
      afterCommit: (f) => { after.push(f); },
    };
    running.set(trx, work);
    return fn(work);
  });
  for (const f of after) await f();
  return result;
}

/** The operations under way, by transaction: one started inside another joins it. */
const running = new WeakMap<object, Work>();

/**
 * Like `inTransaction`, but inside `within` when that is the transaction of an operation under way
 * (a plugin's hook, handed `trx`, creating a user): the work commits or rolls back with it, and its
 * actions fire after that commit.
 */
export async function inTransactionWithin<T>(deps: { db: Kysely<DB>; hooks: Hooks }, within: Kysely<DB> | undefined, fn: (work: Work) => Promise<T>): Promise<T> {
  const outer = within ? running.get(within) : undefined;
  if (outer) return fn(outer);
  if (within?.isTransaction) throw new Error('inTransactionWithin: that transaction was not started by inTransaction');
  return inTransaction(deps, fn);
}
