import PgBoss from 'pg-boss';
import type { Database } from '../db/database.ts';

export interface JobOptions {
  /** Attempts after the first failure. Default 3. */
  retryLimit?: number;
  /** Seconds before the first retry. Default 10. */
  retryDelay?: number;
  /** Double the delay on each retry. Default true. */
  retryBackoff?: boolean;
  /** Don't run before this time. */
  startAfter?: Date | number;
  /** Only one queued job with this key at a time. */
  singletonKey?: string;
}

export interface Job<T> { id: string; name: string; data: T }
export type JobHandler<T> = (job: Job<T>) => Promise<void>;

/**
 * Durable jobs on pg-boss, on PostgreSQL and PGlite alike. Workers run only in processes with
 * `runJobs`; any process may send. Handlers must be idempotent: a job may run again after a crash.
 */
export class Jobs {
  private readonly boss: PgBoss;
  private readonly queues = new Set<string>();
  private readonly workers: Array<{ name: string; handler: JobHandler<any>; batchSize: number }> = [];
  /** Schedules asked for before the job system started (a plugin registering in a CLI process). */
  private readonly pendingSchedules: Array<{ name: string; cron: string; data: object }> = [];
  private started = false;

  constructor(database: Database, private readonly runWorkers: boolean, onError: (err: unknown) => void) {
    this.boss = database.connectionString
      ? new PgBoss({ connectionString: database.connectionString, max: 4, schema: 'pgboss' })
      : new PgBoss({ db: { executeSql: (text: string, values?: unknown[]) => database.executeSql(text, values) }, schema: 'pgboss' } as PgBoss.ConstructorOptions);
    this.boss.on('error', onError);
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    this.started = true;
    for (const { name, cron, data } of this.pendingSchedules.splice(0)) await this.schedule(name, cron, data);
    for (const w of this.workers) await this.startWorker(w);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }

  async send<T extends object>(name: string, data: T, opts: JobOptions = {}): Promise<string | null> {
    await this.ensureQueue(name);
    return this.boss.send(name, data, { retryLimit: 3, retryDelay: 10, retryBackoff: true, ...opts });
  }

  /** Register a worker. It starts with the job system (immediately if already running). */
  async work<T>(name: string, handler: JobHandler<T>, opts: { batchSize?: number } = {}): Promise<void> {
    const worker = { name, handler, batchSize: opts.batchSize ?? 1 };
    this.workers.push(worker);
    if (this.started) await this.startWorker(worker);
  }

  /**
   * Run `name` on a cron schedule (UTC). Scheduling is stored, so it survives restarts and runs once
   * across processes. Before the job system starts, the schedule waits for it (a process that never
   * starts it, such as a CLI command, leaves the stored schedules as they are).
   */
  async schedule(name: string, cron: string, data: object = {}): Promise<void> {
    if (!this.started) { this.pendingSchedules.push({ name, cron, data }); return; }
    await this.ensureQueue(name);
    await this.boss.schedule(name, cron, data, { tz: 'UTC' });
  }

  private async startWorker(w: { name: string; handler: JobHandler<any>; batchSize: number }): Promise<void> {
    if (!this.runWorkers) return;
    await this.ensureQueue(w.name);
    await this.boss.work(w.name, { batchSize: w.batchSize, pollingIntervalSeconds: 1 }, async (jobs) => {
      for (const job of jobs) await w.handler({ id: job.id, name: job.name, data: job.data });
    });
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.queues.has(name)) return;
    if (!this.started) throw new Error(`Jobs are not started; cannot use queue ${name} yet`);
    if (!(await this.boss.getQueue(name))) await this.boss.createQueue(name);
    this.queues.add(name);
  }
}
