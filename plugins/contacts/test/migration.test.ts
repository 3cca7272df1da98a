import t from 'tap';
import { sql } from '../../../core/plugin-api.ts';
import { testApp } from '../../../test/helpers/app.ts';
import groupInbox from '../../group-inbox/index.ts';
import stagedAccounts from '../../staged-accounts/index.ts';
import contacts from '../index.ts';
import * as migration from '../migrations/20261202020000_merge_through_core.ts';

t.test('the upgrade to merging through core: added addresses become secondary ones when free, links become history, the old tables go', async (t) => {
  const h = await testApp({ plugins: [stagedAccounts, groupInbox, contacts] });
  t.teardown(() => h.close());
  const db = h.core.db as never as Parameters<typeof migration.up>[0];
  const alice = await h.user('alice');
  const bob = await h.user('bob', { email: 'bob@taken.test' });
  const users = h.core.services.users;
  const root = await users.create({ username: 'root-contact', email: 'root@customer.test', staged: true }, 'staged');
  const linked = await users.create({ username: 'linked-contact', email: 'linked@customer.test', staged: true }, 'staged');

  // The tables as the first migration left them, with rows of the old workarounds.
  await migration.down(db);
  await db.insertInto('contacts_addresses').values([
    { address_lower: 'free@customer.test', address: 'Free@Customer.test', contact_id: root.id, added_by: alice.user!.id },
    { address_lower: 'bob@taken.test', address: 'bob@taken.test', contact_id: root.id, added_by: alice.user!.id },
  ]).execute();
  await db.insertInto('contacts_links').values({ user_id: linked.id, contact_id: root.id, linked_by: alice.user!.id }).execute();
  await db.insertInto('contacts_notes').values({ contact_id: root.id, author_id: alice.user!.id, raw: 'a note', cooked: '<p>a note</p>' }).execute();

  await migration.up(db);
  t.same(await db.selectFrom('user_emails').select(['email', 'is_primary']).where('user_id', '=', root.id).orderBy('id').execute(),
    [{ email: 'root@customer.test', is_primary: true }, { email: 'Free@Customer.test', is_primary: false }], 'the free address is a secondary one of the contact');
  t.equal((await users.findByEmail('bob@taken.test'))?.id, bob.user!.id, 'a taken one stays its owner\'s');
  const history = await db.selectFrom('contacts_history').select(['contact_id', 'actor_id', 'action', 'detail']).orderBy('id').execute();
  t.match(history, [
    { contact_id: root.id, actor_id: alice.user!.id, action: 'address-dropped', detail: /bob@taken\.test .*belongs to @bob now/ },
    { contact_id: root.id, actor_id: alice.user!.id, action: 'address-added', detail: /Free@Customer\.test, now one of this account's own addresses/ },
    { contact_id: root.id, action: 'unlinked', detail: /linked @linked-contact to this contact .*merge @linked-contact to move its messages here/ },
    { contact_id: linked.id, action: 'unlinked', detail: /linked this account to @root-contact's contact/ },
  ], 'each change is a history line, with who did the original');
  t.equal(history.length, 4);
  const tables = (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_name like 'contacts%' order by 1`.execute(db)).rows;
  t.same(tables.map((r) => r.name), ['contacts_history', 'contacts_notes'], 'contacts_links and contacts_addresses are gone');
  await db.deleteFrom('users').where('id', '=', root.id).execute();
  t.equal((await db.selectFrom('contacts_notes').select('id').execute()).length, 1, 'a note no longer cascades away with its account (users-merged moves it)');
});
