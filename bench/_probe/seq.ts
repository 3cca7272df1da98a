import pg from 'pg';
import os from 'node:os'; import path from 'node:path'; import { promises as fs } from 'node:fs';
import { buildApp } from '../../core/app.ts';
import { openBenchDatabase } from '../bench-database.ts';
import { BenchMail } from '../mail-messages.ts';
import { sql } from 'kysely';
const log: string[] = []; let on = false;
const orig = pg.Client.prototype.query as any;
(pg.Client.prototype as any).query = function (...a: any[]) { if (on) { const t = typeof a[0] === 'string' ? a[0] : a[0]?.text; log.push(String(t).replace(/\s+/g, ' ').slice(0, 140)); } return orig.apply(this, a); };
const database = await openBenchDatabase('postgres', 'parley_probe_seq');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'probe-'));
const app = await buildApp({ database, logger: false, config: { dataDir, runJobs: false, baseUrl: 'http://forum.test' } });
const db = database.db;
const category = await db.insertInto('categories').values({ name: 'Help', slug: 'help', email_in: 'help@forum.test' }).returning('id').executeTakeFirstOrThrow();
await db.insertInto('category_groups').values({ category_id: category.id, group_id: 0, permission: 1 }).execute();
await sql`INSERT INTO users (username, username_lower, name, active) SELECT 'customer' || g, 'customer' || g, 'Customer ' || g, true FROM generate_series(1, 500) g`.execute(db);
await sql`INSERT INTO user_emails (user_id, email, email_lower, is_primary) SELECT id, username || '@customer.test', username_lower || '@customer.test', true FROM users WHERE username LIKE 'customer%'`.execute(db);
const mail = new BenchMail({ customers: 500, to: 'help@forum.test', domain: 'customer.test' });
for (let i = 0; i < Number(process.env.N ?? 40); i++) {
  on = true; log.length = 0;
  const o = await app.parley.mail.receiver.receive(mail.message(i), { source: 'http', envelopeRecipients: ['help@forum.test'] });
  on = false;
  if (process.env.ALL || i >= Number(process.env.FROM ?? 0)) { console.log(`#${i} ${o.status} ${(o as any).reason ?? ''} statements=${log.length}`); if (process.env.V) for (const l of log) console.log('   ', l); }
}
await app.close(); await database.close(); process.exit(0);
