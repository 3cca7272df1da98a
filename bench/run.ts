import { benchLatest, type LatestRow } from './latest-topics.ts';
import { benchLive } from './live-delivery.ts';
import { benchMail } from './mail-pipeline.ts';
import { printTable } from './http-bench.ts';

/**
 * `npm run bench`: every benchmark, printed as tables. PostgreSQL runs when BENCH_DATABASE_URL
 * (or TEST_DATABASE_URL) is set. BENCH_SCALE shrinks the seed for a quick look (1 = full size).
 */
const scale = Number(process.env.BENCH_SCALE ?? 1);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const size = { users: 1000, topics: Math.round(100_000 * scale), postsPerTopic: 10 };
const engines: ('pglite' | 'postgres')[] = (process.env.BENCH_ENGINES ?? 'postgres,pglite').split(',')
  .filter((e): e is 'pglite' | 'postgres' => e === 'pglite' || (e === 'postgres' && Boolean(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL)));

const only = (process.env.BENCH_ONLY ?? 'latest,live,mail').split(',');
const rows: LatestRow[] = [];
if (only.includes('latest')) for (const engine of engines) rows.push(...await benchLatest(engine, size, seconds));
if (rows.length) printTable(`Latest topics: ${size.topics.toLocaleString('en')} topics, ${(size.topics * size.postsPerTopic).toLocaleString('en')} posts, 10 connections, ${seconds}s each`,
  ['engine', 'route', 'req/s', 'p50 ms', 'p99 ms', '% of bare', 'errors', 'seed s'],
  rows.map((r) => {
    const bare = rows.find((b) => b.engine === r.engine && b.route.startsWith('bare'))!;
    return [r.engine, r.route, Math.round(r.result.rps), r.result.p50, r.result.p99, `${Math.round((100 * r.result.rps) / bare.result.rps)}%`, r.result.errors + r.result.non2xx, r.seedSeconds.toFixed(0)];
  }));

const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (only.includes('live') && pgUrl) {
  const live = await benchLive(pgUrl, Number(process.env.BENCH_LIVE_CLIENTS ?? 500), 2);
  printTable(`Live delivery: ${live.clients} websocket clients over ${live.processes} Parley processes on one PostgreSQL, ${live.posts} replies`,
    ['delivery to each client p50 ms', 'p99 ms', 'until the last client p50 ms', 'p99 ms', 'missed'],
    [[live.p50.toFixed(1), live.p99.toFixed(1), live.allP50.toFixed(1), live.allP99.toFixed(1), live.missed]]);
}
if (only.includes('mail')) {
  const messages = Math.round(10_000 * scale);
  const longRun = Math.round(50_000 * scale);
  const results: Awaited<ReturnType<typeof benchMail>>[] = [];
  // The pipeline's figure is PostgreSQL's (PGlite, at about a third of the speed, would take 20 minutes); PGlite only without a server.
  for (const engine of engines.includes('postgres') ? ['postgres' as const] : engines) results.push(await benchMail(engine, messages, longRun));
  printTable(`Mail pipeline: ${messages.toLocaleString('en')} mixed messages (replies, HTML, attachments, auto-replies, bounces), ${4} at a time, into the database`,
    ['engine', 'bare mailparser msg/s', 'pipeline msg/s', '% of bare', 'Parley CPU ms/msg', 'outcomes'],
    results.map((r) => [r.engine, Math.round(r.bareRate), Math.round(r.pipelineRate), `${Math.round((100 * r.pipelineRate) / r.bareRate)}%`, r.cpuMsPerMessage.toFixed(2),
      Object.entries(r.statuses).map(([k, v]) => `${k} ${v}`).join(', ')]));
  printTable(`Mail pipeline memory: heap after a full GC (RSS), every ${results[0]?.memoryEvery.toLocaleString('en')} messages of ${longRun.toLocaleString('en')} more`,
    ['engine', ...(results[0]?.heapMb.map((_, i) => `after ${(i * (results[0]?.memoryEvery ?? 0)).toLocaleString('en')}`) ?? [])],
    results.map((r) => [r.engine, ...r.heapMb.map((h, i) => `${h.toFixed(0)} MB (${r.rssMb[i].toFixed(0)})`)]));
}
process.exit(0);
