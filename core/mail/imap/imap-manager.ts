// Runs a poller for every enabled mailbox this process holds the lease of. Every worker process
// runs a manager; the lease in the mailbox row makes sure only one of them polls a mailbox, and
// when that process dies its lease runs out and another takes over at its next reload.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EventBus } from '../../realtime/event-bus.ts';
import type { SyncDeps } from './imap-sync.ts';
import { MailboxPoller, type PollerOptions } from './mailbox-poller.ts';
import { claimLease, leaseOwnersOn, listMailboxes, releaseLeasesOf, waiveBackoff } from './mailbox.repo.ts';

/** Internal signals: a mailbox was added, changed or removed; an admin asked for a check now. */
export const MAILBOXES_CHANGED = 'parley:imap-mailboxes-changed';
export const MAILBOX_CHECK = 'parley:imap-mailbox-check';

export interface ImapOptions extends PollerOptions {
  /** How often the manager looks for mailboxes to take over (new, or whose poller died). */
  reloadMs: number;
}

export const IMAP_DEFAULTS: ImapOptions = {
  pollMs: 60_000,
  leaseMs: 90_000,
  retryBaseMs: 30_000,
  retryMaxMs: 30 * 60_000,
  reloadMs: 30_000,
};

export interface ImapManagerDeps extends SyncDeps {
  db: Kysely<DB>;
  bus: EventBus;
  log: { error(obj: unknown, msg?: string): void };
  /** Whether this process polls at all (worker processes do; PARLEY_RUN_JOBS=false ones do not). */
  active: boolean;
}

/** Whether a process with this pid runs on this host (EPERM: it does, as another user). */
function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

export class ImapManager {
  /** This process, in lease_owner: host, pid and a random part, so a restarted pid is someone else. */
  readonly owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly options: ImapOptions;
  private readonly pollers = new Map<number, MailboxPoller>();
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: Array<() => void> = [];
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private wakeOnReload = false;

  constructor(private readonly deps: ImapManagerDeps, options: Partial<ImapOptions> = {}) {
    this.options = { ...IMAP_DEFAULTS, ...options };
  }

  /** The mailboxes this process polls right now. */
  get polling(): number[] { return [...this.pollers.keys()]; }

  async start(): Promise<void> {
    if (this.running || !this.deps.active) return;
    this.running = true;
    this.unsubscribe = [
      this.deps.bus.subscribe(MAILBOXES_CHANGED, () => { void this.reload(true); }),
      this.deps.bus.subscribe(MAILBOX_CHECK, (event) => { this.onCheck((event.payload as { id: number }).id); }),
    ];
    this.timer = setInterval(() => { void this.reload(); }, this.options.reloadMs);
    this.timer.unref();
    await this.releaseDeadNeighbours();
    await this.reload();
  }

  /**
   * Frees the leases of processes on this host that no longer run (a crash, a kill -9), so a
   * restarted Parley polls again at once instead of waiting for the dead lease to run out.
   * Leases held from other hosts still expire by time: only there can their holder be alive.
   */
  private async releaseDeadNeighbours(): Promise<void> {
    const host = this.owner.slice(0, this.owner.indexOf(':'));
    for (const owner of await leaseOwnersOn(this.deps.db, host)) {
      const pid = Number(owner.split(':')[1]);
      if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) await releaseLeasesOf(this.deps.db, owner);
    }
  }

  /** Stops every poller (each finishes the message in hand, closes its connection, gives up its lease). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    await this.reloading;
    const held = [...this.pollers.values()];
    await Promise.all(held.map((p) => p.stop()));
    // The leases are free now: other processes need not wait for their next reload to take over.
    if (held.length > 0) await this.changed().catch((err) => this.deps.log.error({ err }, 'IMAP hand-over signal failed'));
  }

  /** Tells every process that mailboxes changed: new ones are taken up, changed ones reconnect, removed ones stop. */
  async changed(): Promise<void> {
    await this.deps.bus.publish(MAILBOXES_CHANGED, {}, { persist: false });
  }

  /** Waives the back-off and wakes whichever process polls the mailbox. False if there is no such mailbox. */
  async checkNow(id: number): Promise<boolean> {
    if (!(await waiveBackoff(this.deps.db, id))) return false;
    await this.deps.bus.publish(MAILBOX_CHECK, { id }, { persist: false });
    return true;
  }

  /** Starts pollers for enabled mailboxes whose lease this process can take; stops those for removed or disabled ones. */
  reload(wake = false): Promise<void> {
    this.wakeOnReload ||= wake;
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        const wakePollers = this.wakeOnReload;
        this.wakeOnReload = false;
        await this.adjust(wakePollers);
      } while (this.reloadAgain && this.running);
    })().catch((err) => this.deps.log.error({ err }, 'IMAP mailboxes could not be reloaded')).finally(() => { this.reloading = null; });
    return this.reloading;
  }

  private async adjust(wake: boolean): Promise<void> {
    if (!this.running) return;
    const wanted = new Set((await listMailboxes(this.deps.db)).filter((b) => b.enabled).map((b) => b.id));
    for (const [id, poller] of this.pollers) {
      if (!wanted.has(id)) await poller.stop();
      else if (wake) poller.wake(); // it re-reads its row and reconnects if the settings changed
    }
    for (const id of wanted) {
      if (!this.running || this.pollers.has(id)) continue;
      if (await claimLease(this.deps.db, id, this.owner, this.options.leaseMs)) this.startPoller(id);
    }
  }

  private startPoller(id: number): void {
    const poller: MailboxPoller = new MailboxPoller(id, { ...this.deps, owner: this.owner }, this.options, () => {
      if (this.pollers.get(id) === poller) this.pollers.delete(id);
    });
    this.pollers.set(id, poller);
  }

  private onCheck(id: number): void {
    const poller = this.pollers.get(id);
    if (poller) poller.wake();
    else if (this.running) void this.reload();
  }
}
