import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { buildApp } from '../../core/app.ts';
import type { Database } from '../../core/db/database.ts';
import { openBenchDatabase } from '../bench-database.ts';
import { BenchMail } from '../mail-messages.ts';

export interface MailBenchResult {
  engine: string;
  messages: number;
  bareRate: number;
  pipelineRate: number;
  statuses: Record<string, number>;
  /** Heap after a full GC, in MB, every `memoryEvery` messages of the long run. */
  heapMb: number[];
  rssMb: number[];
  memoryEvery: number;
}

const CUSTOMERS = 500;
const CONCURRENCY = Number(process.env.BENCH_MAIL_CONCURRENCY ?? 4);

/**
 * Mail through the whole pipeline (store, parse, classify, thread, trim, post) into the database,
 * beside bare mailparser parsing the same messages in the same run; then a longer run that
 * samples memory after a full GC, to show it stays flat.
 */
export async function benchMail(engine: 'pglite' | 'postgres', messages: number, longRun: number): Promise<MailBenchResult> {
  const database = await openBenchDatabase(engine, 'parley_bench_mail');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-bench-mail-'));
  // A web-only process: jobs are queued (notices, notification mail) but not run here.
  const app = await buildApp({ database, logger: false, config: { dataDir, runJobs: false, baseUrl: 'http://forum.test' } });
  try {
    await seedMailForum(database); if (process.env.EXT) await sql`ALTER TABLE incoming_emails ALTER COLUMN raw SET STORAGE EXTERNAL`.execute(database.db);
    const mail = new BenchMail({ customers: CUSTOMERS, to: 'help@forum.test', domain: 'customer.test' });
    const raws = Array.from({ length: messages }, (_, i) => mail.message(i));

    const bareStart = performance.now();
    for (const raw of raws) await simpleParser(raw, { skipHtmlToText: false });
    const bareRate = messages / ((performance.now() - bareStart) / 1000);

    const receiver = app.parley.mail.receiver;
    const statuses: Record<string, number> = {};
    const pipelineStart = performance.now();
    await inParallel(messages, CONCURRENCY, async (i) => {
      const outcome = await receiver.receive(raws[i], { source: 'http', envelopeRecipients: ['help@forum.test'] });
      statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
    });
    const pipelineRate = messages / ((performance.now() - pipelineStart) / 1000);

    const memoryEvery = Math.max(1, Math.floor(longRun / 5));
    const heapMb: number[] = [];
    const rssMb: number[] = [];
    const sample = () => {
      (globalThis as { gc?: () => void }).gc?.();
      heapMb.push(process.memoryUsage().heapUsed / 2 ** 20);
      rssMb.push(process.memoryUsage().rss / 2 ** 20);
    };
    sample();
    for (let done = 0; done < longRun; done += memoryEvery) {
      await inParallel(memoryEvery, CONCURRENCY, async (i) => { await receiver.receive(mail.message(messages + done + i), { source: 'http', envelopeRecipients: ['help@forum.test'] }); });
      sample();
    }
    return { engine, messages, bareRate, pipelineRate, statuses, heapMb, rssMb, memoryEvery };
  } finally {
    await app.close();
    await (database as any).keep?.();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

/** A Help category that takes mail to help@forum.test, and the customers who write to it. */
async function seedMailForum(database: Database): Promise<void> {
  const db = database.db;
  const category = await db.insertInto('categories').values({ name: 'Help', slug: 'help', email_in: 'help@forum.test' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('category_groups').values({ category_id: category.id, group_id: 0, permission: 1 }).execute();
  await sql`INSERT INTO users (username, username_lower, name, active)
    SELECT 'customer' || g, 'customer' || g, 'Customer ' || g, true FROM generate_series(1, ${sql.lit(CUSTOMERS)}) g`.execute(db);
  await sql`INSERT INTO user_emails (user_id, email, email_lower, is_primary)
    SELECT id, username || '@customer.test', username_lower || '@customer.test', true FROM users WHERE username LIKE 'customer%'`.execute(db);
}

async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}
// run
import { openDatabase } from '../../core/db/database.ts';
