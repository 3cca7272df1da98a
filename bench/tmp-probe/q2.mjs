import pg from 'pg';
const pool = new pg.Pool({ connectionString: 'postgres://parley:parley@127.0.0.1:55432/parley_bench', max: 10 });
for (const conc of [1, 4, 10]) {
  const q = { name: 's1', text: 'select $1::int as x', values: [1] };
  for (let i = 0; i < 100; i++) await pool.query(q);
  const t0 = performance.now(); const c0 = process.cpuUsage();
  let n = 0; const end = Date.now() + 2000;
  await Promise.all(Array.from({ length: conc }, async () => { while (Date.now() < end) { await pool.query(q); n++; } }));
  const cpu = process.cpuUsage(c0); const dt = performance.now() - t0;
  console.log('concurrency', conc, 'q/s', Math.round(n / dt * 1000), 'node cpu µs/query', Math.round((cpu.user + cpu.system) / n), 'sys', Math.round(cpu.system / n));
}
await pool.end();
