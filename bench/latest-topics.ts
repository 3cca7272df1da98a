import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../core/app.ts';
import { SESSION_COOKIE, createSession } from '../core/auth/sessions.ts';
import { openBenchDatabase } from './bench-database.ts';
import { measure, type HttpResult } from './http-bench.ts';
import { seedForum, type SeedSize } from './seed.ts';

export interface LatestRow { engine: string; route: string; result: HttpResult; seedSeconds: number }

/** Latest topics (30 per page, with the signed-in user's read state) beside a bare fastify route, in one run. */
export async function benchLatest(engine: 'pglite' | 'postgres', size: SeedSize, seconds: number): Promise<LatestRow[]> {
  const database = await openBenchDatabase(engine, 'parley_bench');
  const t0 = Date.now();
  const app = await buildApp({ database, logger: false, jobs: false, config: { dataDir: path.join(os.tmpdir(), 'parley-bench') } });
  await seedForum(database.db, size);
  const seedSeconds = (Date.now() - t0) / 1000;
  const token = await createSession(database.db, 1, {});
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify({ logger: false });
  const sample = await app.inject({ url: '/api/latest', cookies: { [SESSION_COOKIE]: token } });
  if (sample.statusCode !== 200 || sample.json().topics.length !== 30) throw new Error(`latest is broken: ${sample.statusCode} ${sample.body.slice(0, 200)}`);
  const body = sample.json();
  bare.get('/bare', async () => body);
  const bareAddress = await bare.listen({ host: '127.0.0.1', port: 0 });
  const headers = { cookie: `${SESSION_COOKIE}=${token}` };
  const rows: LatestRow[] = [];
  rows.push({ engine, route: 'bare fastify (same JSON)', result: await measure(`${bareAddress}/bare`, { seconds }), seedSeconds });
  rows.push({ engine, route: 'GET /api/latest (page 0)', result: await measure(`${address}/api/latest`, { headers, seconds }), seedSeconds });
  rows.push({ engine, route: 'GET /api/latest?page=50', result: await measure(`${address}/api/latest?page=50`, { headers, seconds }), seedSeconds });
  await bare.close();
  await app.close();
  await database.close();
  return rows;
}
