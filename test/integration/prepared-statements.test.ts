import t from 'tap';
import { sql } from 'kysely';
import { executePrepared } from '../../core/db/prepared.ts';
import { testApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';

t.test('prepared statements keep answering when a migration changes a table under them', { skip: ENGINE === 'pglite' ? 'PGlite prepares nothing' : false }, async (t) => {
  const h = await testApp({ jobs: false });
  t.teardown(() => h.close());
  const alice = await h.user('alice');
  const category = await h.publicCategory();
  await alice.post('/api/topics', { title: 'Prepared once', raw: 'first post', categoryId: category.id });
  const excerpts = () => executePrepared(h.core.db, h.core.db.selectFrom('topics').select(['title', 'excerpt']).where('title', '=', 'Prepared once'));
  // Enough calls for every pooled connection to hold both statements, with their cached plans.
  for (let i = 0; i < 12; i++) {
    t.equal((await alice.get('/api/latest')).statusCode, 200);
    t.equal((await excerpts()).length, 1);
  }
  await sql`ALTER TABLE topics ALTER COLUMN excerpt TYPE varchar(1000)`.execute(h.core.db);
  for (let i = 0; i < 12; i++) {
    t.same((await excerpts()).map((r) => r.title), ['Prepared once'], 'a statement whose result type changed is prepared afresh');
    const res = await alice.get('/api/latest');
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().topics[0].title, 'Prepared once');
  }
});
