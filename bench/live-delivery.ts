import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { SESSION_COOKIE, createSession } from '../core/auth/sessions.ts';
import { openDatabase } from '../core/db/database.ts';
import { CORE_MIGRATIONS, migrateFolder } from '../core/db/migrate.ts';
import { issueApiKey } from '../core/auth/api-keys.ts';
import { dropDatabase, recreateDatabase } from './bench-database.ts';

export interface LiveResult { processes: number; clients: number; posts: number; p50: number; p99: number; allP50: number; allP99: number; missed: number }

function startServer(url: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/live-server.ts'], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ child, address: JSON.parse(line).address }));
    child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/**
 * `clients` browsers' websockets spread over `processes` Parley processes, all watching one topic;
 * `posts` replies made through the API on the first process. Latency runs from just before the
 * request to each client's receipt; "all" is the time until the last entitled client has it.
 */
export async function benchLive(url: string, clients = 500, processes = 2, posts = 40): Promise<LiveResult> {
  const dbUrl = await recreateDatabase(url, 'parley_bench_live');
  const database = await openDatabase({ url: dbUrl, poolSize: 4 });
  await migrateFolder(database.db, 'core', CORE_MIGRATIONS);
  await database.executeSql(`INSERT INTO users (username, username_lower, name, active) SELECT 'reader' || g, 'reader' || g, 'Reader ' || g, true FROM generate_series(1, ${clients}) g`);
  await database.executeSql(`INSERT INTO categories (id, name, slug) VALUES (1, 'Bench', 'bench'); INSERT INTO category_groups VALUES (1, 0, 1)`);
  const users = await database.db.selectFrom('users').select('id').orderBy('id').execute();
  const tokens = await Promise.all(users.map((r) => createSession(database.db, r.id, {})));
  const key = await issueApiKey(database.db, { userId: users[0].id, scopes: ['read', 'write'], createdById: null });
  const servers = await Promise.all(Array.from({ length: processes }, () => startServer(dbUrl)));
  try {
    const headers = { 'content-type': 'application/json', 'api-key': key.key };
    const topic = await (await fetch(`${servers[0].address}/api/topics`, { method: 'POST', headers, body: JSON.stringify({ title: 'Live benchmark topic', raw: 'The first post of the benchmark.', categoryId: 1 }) })).json() as { topic: { id: number } };
    // A server that has been up a while has its reply path compiled: warm it before measuring.
    for (let i = 0; i < 10; i++) await fetch(`${servers[0].address}/api/t/${topic.topic.id}/posts`, { method: 'POST', headers, body: JSON.stringify({ raw: `Warm-up reply ${i}.` }) });
    const arrivals = new Map<number, number[]>();
    const sockets = await Promise.all(tokens.map((token, i) => connect(servers[i % processes].address, token, topic.topic.id, arrivals)));
    const sentAt = new Map<number, number>();
    await new Promise((r) => setTimeout(r, 1000)); // let the connections' presence settle
    for (let n = 12; n <= posts + 11; n++) {
      sentAt.set(n, performance.now());
      const res = await fetch(`${servers[0].address}/api/t/${topic.topic.id}/posts`, { method: 'POST', headers, body: JSON.stringify({ raw: `Benchmark reply number ${n}.` }) });
      if (res.status !== 201) throw new Error(`reply failed: ${res.status} ${await res.text()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const s of sockets) s.close();
    const each: number[] = [];
    const all: number[] = [];
    let missed = 0;
    for (const [n, t0] of sentAt) {
      const got = (arrivals.get(n) ?? []).map((t) => t - t0);
      missed += clients - got.length;
      each.push(...got);
      if (got.length) all.push(Math.max(...got));
    }
    each.sort((a, b) => a - b);
    all.sort((a, b) => a - b);
    return { processes, clients, posts, p50: pct(each, 50), p99: pct(each, 99), allP50: pct(all, 50), allP99: pct(all, 99), missed };
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await database.close();
    await dropDatabase(url, 'parley_bench_live').catch(() => {}); // a server still shutting down keeps it; the next run drops it
  }
}

function connect(address: string, token: string, topicId: number, arrivals: Map<number, number[]>): Promise<WebSocket> {
  const ws = new WebSocket(`${address.replace('http', 'ws')}/ws?topic=${topicId}`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
  ws.on('message', (raw) => {
    const now = performance.now();
    const msg = JSON.parse(raw.toString());
    if (msg.payload?.type !== 'post-created') return;
    const list = arrivals.get(msg.payload.postNumber) ?? [];
    list.push(now);
    arrivals.set(msg.payload.postNumber, list);
  });
  return new Promise((resolve, reject) => {
    ws.on('message', function hello(raw) { if (JSON.parse(raw.toString()).type === 'hello') { ws.off('message', hello); resolve(ws); } });
    ws.once('error', reject);
  });
}
