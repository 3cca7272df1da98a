import t from 'tap';
import { buildApp } from '../../core/app.ts';
import { openDatabase } from '../../core/db/database.ts';
import type { BusEvent } from '../../core/plugin-api.ts';
import { testApp } from '../helpers/app.ts';
import { ENGINE, freshDatabase } from '../helpers/database.ts';

const received = (events: BusEvent[], channel: string, ms = 10_000) => new Promise<BusEvent>((resolve, reject) => {
  const until = Date.now() + ms;
  const poll = () => {
    const found = events.find((e) => e.channel === channel);
    if (found) return resolve(found);
    if (Date.now() > until) return reject(new Error(`no event on ${channel}`));
    setTimeout(poll, 25);
  };
  poll();
});

t.test('an event published by one Parley process reaches another on the same database', { skip: ENGINE === 'pglite' ? 'PGlite is single-process' : false }, async (t) => {
  const first = await freshDatabase();
  const second = await openDatabase({ url: first.connectionString!, poolSize: 2 });
  const opts = { logger: false as const, jobs: false, config: { dataDir: '/tmp/parley-test-data' } };
  const appA = await buildApp({ ...opts, database: first });
  const appB = await buildApp({ ...opts, database: second });
  t.teardown(async () => { await appA.close(); await appB.close(); await second.close(); await first.close(); });
  const onB: BusEvent[] = [];
  appB.parley.bus.subscribe('/test/cross', (e) => { onB.push(e); });
  const id = await appA.parley.bus.publish('/test/cross', { hello: 'from A' }, { topicId: null });
  const event = await received(onB, '/test/cross');
  t.equal(event.id, id);
  t.same(event.payload, { hello: 'from A' });
  t.equal(event.origin, appA.parley.bus.origin, 'it came from the other process');
  t.not(appA.parley.bus.origin, appB.parley.bus.origin);
});

t.test('an event published inside a rolled-back transaction is never delivered', async (t) => {
  const h = await testApp({ jobs: false });
  t.teardown(() => h.close());
  const seen: BusEvent[] = [];
  h.core.bus.subscribe('*', (e) => { seen.push(e); });
  await t.rejects(h.core.db.transaction().execute(async (trx) => {
    await h.core.bus.publish('/test/ghost', { boo: true }, { db: trx });
    throw new Error('roll it back');
  }), /roll it back/);
  await h.core.db.transaction().execute(async (trx) => { await h.core.bus.publish('/test/real', { ok: true }, { db: trx }); });
  await received(seen, '/test/real');
  t.same(seen.map((e) => e.channel), ['/test/real'], 'only the committed event arrived');
  t.same((await h.core.bus.since(0)).map((e) => e.channel), ['/test/real'], 'and only it was kept for catch-up');
});

t.test('since(id) returns the events a reconnecting client missed, oldest first', async (t) => {
  const h = await testApp({ jobs: false });
  t.teardown(() => h.close());
  const before = await h.core.bus.lastId();
  const ids: number[] = [];
  for (const n of [1, 2, 3]) ids.push((await h.core.bus.publish('/test/catch-up', { n }, { userIds: [7] }))!);
  const missed = await h.core.bus.since(ids[0]!);
  t.same(missed.map((e) => e.id), ids.slice(1));
  t.same(missed.map((e) => e.payload), [{ n: 2 }, { n: 3 }], 'payloads come back as published');
  t.same(missed[0]!.userIds, [7], 'with their audience');
  t.equal((await h.core.bus.since(before)).length, 3);
  t.equal(await h.core.bus.lastId(), ids[2]);
  const unpersisted = await h.core.bus.publish('/test/internal', { x: 1 }, { persist: false });
  t.equal(unpersisted, null);
  t.equal((await h.core.bus.since(ids[2]!)).length, 0, 'internal signals are not kept');
});

t.test('an event too big for NOTIFY still arrives whole, with its audience; an unpersisted one arrives too', async (t) => {
  const h = await testApp({ jobs: false });
  t.teardown(() => h.close());
  const seen: BusEvent[] = [];
  h.core.bus.subscribe('*', (e) => { seen.push(e); });
  const big = { text: 'x'.repeat(20_000), quote: 'it\'s "quoted" \\ and ünïcode' };
  const id = await h.core.bus.publish('/test/big', big, { topicId: 7, userIds: [1, 2], groupIds: [3] });
  const event = await received(seen, '/test/big');
  t.equal(event.id, id);
  t.same(event.payload, big, 'the payload is read back from the log');
  t.same([event.topicId, event.userIds, event.groupIds], [7, [1, 2], [3]]);
  const small = await h.core.bus.publish('/test/small', { quote: 'it\'s "quoted"' }, { userIds: [5] });
  const smallEvent = await received(seen, '/test/small');
  t.same([smallEvent.id, smallEvent.payload, smallEvent.userIds, smallEvent.topicId], [small, { quote: 'it\'s "quoted"' }, [5], null]);
  t.equal(await h.core.bus.publish('/test/signal', { cache: 'sessions' }, { persist: false }), null);
  t.same((await received(seen, '/test/signal')).payload, { cache: 'sessions' });
  t.equal(((await h.core.bus.since(id! - 1)).find((e) => e.id === id)?.payload as typeof big | undefined)?.text.length, 20_000, 'a reconnecting client catches up on it');
});
