import net from 'node:net'; import pg from 'pg';
const P = net.Socket.prototype; const ow = P._writev, o1 = P._write; let ns = 0n, n = 0;
P._writev = function (c, cb) { const t = process.hrtime.bigint(); const r = ow.call(this, c, cb); ns += process.hrtime.bigint() - t; n++; return r; };
P._write = function (c, e, cb) { const t = process.hrtime.bigint(); const r = o1.call(this, c, e, cb); ns += process.hrtime.bigint() - t; n++; return r; };
for (const conn of [process.env.TEST_DATABASE_URL, { host: '/tmp/pgbench', user: 'parley', password: 'parley', database: 'parley_test', port: 55432 }]) {
  const c = new pg.Client(conn); await c.connect();
  for (const par of [1, 4]) {
    const clients = [c]; for (let i = 1; i < par; i++) { const x = new pg.Client(conn); await x.connect(); clients.push(x); }
    ns = 0n; n = 0; const N = 4000; const t0 = performance.now();
    await Promise.all(clients.map(async (cl) => { for (let i = 0; i < N / par; i++) await cl.query('select $1::int', [i]); }));
    console.log(typeof conn === 'string' ? 'tcp' : 'unix', 'par', par, 'per query µs', ((performance.now() - t0) * 1000 / N).toFixed(0), 'write µs', (Number(ns) / 1000 / n).toFixed(0));
    for (const x of clients.slice(1)) await x.end();
  }
  await c.end();
}
