// One Parley process for the live benchmark: listens on a free loopback port and prints it.
import { buildApp } from '../core/app.ts';

const app = await buildApp({ logger: false, jobs: false, config: { databaseUrl: process.env.DATABASE_URL ?? null, dataDir: process.env.PARLEY_DATA_DIR ?? '/tmp/parley-bench-live' } });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ address })}\n`);
process.on('SIGTERM', async () => { await app.close(); process.exit(0); });
