// One mailbox, polled by this process while it holds the mailbox's lease: connect, take new mail,
// then wait in IDLE (the server pushes 'exists') or, at the latest, until the next poll. Failures
// are recorded in the row and retried with exponential back-off; "check now" wakes it.
import type { ImapFlow } from 'imapflow';
import type { Mailbox } from '../mail.table.ts';
import { describeImapError, imapClient, openFolder, syncFolder, type SyncDeps } from './imap-sync.ts';
import { claimLease, findMailbox, recordFailure, recordSuccess, releaseLease } from './mailbox.repo.ts';

export interface PollerOptions {
  /** Poll this often even when IDLE reports nothing (servers without IDLE, missed pushes). */
  pollMs: number;
  /** How long a lease lasts; it is renewed every third of that. */
  leaseMs: number;
  /** First retry after a failure; doubles with each failure in a row. */
  retryBaseMs: number;
  /** The longest wait between retries. */
  retryMaxMs: number;
}

export interface PollerDeps extends SyncDeps {
  owner: string;
  log: { error(obj: unknown, msg?: string): void };
}

/** The wait before the next attempt after `failures` failures in a row. */
export function retryDelay(failures: number, opts: Pick<PollerOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

export class MailboxPoller {
  private stopping = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private client: ImapFlow | null = null;
  private readonly renewal: NodeJS.Timeout;
  /** Settles when the poller has stopped and given up its lease. */
  readonly done: Promise<void>;

  constructor(readonly mailboxId: number, private readonly deps: PollerDeps, private readonly opts: PollerOptions, onExit: () => void) {
    this.renewal = setInterval(() => { void this.renew(); }, Math.max(1000, opts.leaseMs / 3));
    this.renewal.unref();
    this.done = this.run().finally(onExit);
  }

  /** Look at the mailbox now: after "check now", a push from the server, or a closed connection. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    this.client?.close();
    await this.done;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        const box = await findMailbox(this.deps.db, this.mailboxId);
        if (!box?.enabled) break;
        const wait = (box.next_attempt_at?.getTime() ?? 0) - this.deps.now().getTime();
        if (wait > 0) await this.sleep(Math.min(wait, this.opts.pollMs));
        else await this.session(box);
      }
    } catch (err) {
      this.deps.log.error({ err, mailboxId: this.mailboxId }, 'IMAP poller stopped');
    } finally {
      clearInterval(this.renewal);
      await releaseLease(this.deps.db, this.mailboxId, this.deps.owner).catch((err) => this.deps.log.error({ err }, 'IMAP lease release failed'));
    }
  }

  /** One connection: take new mail, then wait for more, until stopped, the settings change or the connection fails. */
  private async session(box: Mailbox): Promise<void> {
    const client = this.client = imapClient(box);
    const since = this.deps.now().getTime();
    let synced = false;
    let failure: unknown = null;
    client.on('error', (err) => { failure = err; });
    client.on('exists', () => this.wake());
    client.on('close', () => this.wake());
    try {
      await openFolder(client, box);
      let current: Mailbox | undefined = box;
      while (!this.stopping && current && sameAccount(current, box)) {
        if (!client.usable) throw failure ?? Object.assign(new Error('closed'), { code: 'NoConnection', reason: client.byeReason });
        const { rescanned } = await syncFolder(client, current, this.deps, () => this.stopping);
        await recordSuccess(this.deps.db, box.id, this.deps.now(), rescanned ? 'rescanned' : 'ok');
        synced = true;
        await this.sleep(this.opts.pollMs);
        current = await findMailbox(this.deps.db, box.id);
        if (current?.enabled === false) break;
      }
    } catch (err) {
      // Servers hang up on long-lived connections now and then: after a good long session, reconnect quietly.
      const routineHangUp = synced && failure === null && this.deps.now().getTime() - since >= this.opts.pollMs;
      if (!this.stopping && !routineHangUp) await this.fail(box, err);
    } finally {
      this.client = null;
      client.close();
    }
  }

  private async fail(box: Mailbox, err: unknown): Promise<void> {
    const fresh = await findMailbox(this.deps.db, box.id);
    if (!fresh) return;
    await recordFailure(this.deps.db, box.id, describeImapError(err, box), this.deps.now(), retryDelay(fresh.failures + 1, this.opts));
  }

  /** Keeps the lease; if another process has taken it (this one stalled past its expiry), this poller stops. */
  private async renew(): Promise<void> {
    if (this.stopping) return;
    const held = await claimLease(this.deps.db, this.mailboxId, this.deps.owner, this.opts.leaseMs).catch(() => true);
    if (!held) {
      this.stopping = true;
      this.wake();
      this.client?.close();
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopping) { this.woken = false; return Promise.resolve(); }
    return new Promise((resolve) => {
      const finish = () => { clearTimeout(timer); this.wakeUp = null; this.woken = false; resolve(); };
      const timer = setTimeout(finish, ms);
      this.wakeUp = finish;
    });
  }
}

/** Whether two versions of a mailbox row talk to the same account and folder the same way. */
export function sameAccount(a: Mailbox, b: Mailbox): boolean {
  return a.host === b.host && a.port === b.port && a.tls === b.tls && a.username === b.username && a.password === b.password
    && a.folder === b.folder && a.after_import === b.after_import && a.move_to === b.move_to;
}
