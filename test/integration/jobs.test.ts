import t from 'tap';
import { testApp } from '../helpers/app.ts';

/** Resolves when `check` holds, polling; fails after `ms`. */
async function eventually(check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('a sent job runs in a worker with its data', async (t) => {
  const h = await testApp({ config: { runJobs: true } });
  t.teardown(() => h.close());
  const ran: Array<{ to: string }> = [];
  await h.core.jobs.work<{ to: string }>('test.greet', async (job) => { ran.push(job.data); });
  const id = await h.core.jobs.send('test.greet', { to: 'alice' });
  t.ok(id, 'the job was queued');
  await eventually(() => ran.length > 0);
  t.same(ran, [{ to: 'alice' }], 'it ran once, with its data');
});

t.test('a failing job is retried until it succeeds', async (t) => {
  const h = await testApp({ config: { runJobs: true } });
  t.teardown(() => h.close());
  let attempts = 0;
  let done = false;
  await h.core.jobs.work<{ n: number }>('test.flaky', async () => {
    attempts++;
    if (attempts === 1) throw new Error('first attempt fails');
    done = true;
  });
  await h.core.jobs.send('test.flaky', { n: 1 }, { retryLimit: 1, retryDelay: 1, retryBackoff: false });
  await eventually(() => done);
  t.equal(attempts, 2, 'one failure, one retry that succeeded');
});
