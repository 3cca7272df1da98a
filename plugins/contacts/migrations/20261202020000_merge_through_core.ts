import { sql, type Kysely } from 'kysely';

/**
 * Contacts merges through core now: a staged account merged into a staged contact is merged by
 * core (no more `contacts_links`), and an added address is a secondary address of the contact's
 * account in `user_emails` (no more `contacts_addresses`).
 *
 * - Each added address becomes a secondary address of its contact when no account has it; one
 *   an account took since is dropped, with a history line naming who has it.
 * - Each link is left as history, on both contacts: the staged account is its own contact again
 *   (its messages, on its own page) until someone merges it, for real this time.
 * - Notes and history lose their cascading foreign key to their contact: when core merges an
 *   account away, they outlive its row until `users-merged` moves them to the account it went into.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Addresses somebody has taken since they were added here: said, then dropped.
  await sql`
    INSERT INTO contacts_history (contact_id, actor_id, action, detail)
    SELECT a.contact_id, a.added_by, 'address-dropped',
      'added ' || a.address || ' here once, but it belongs to @' || u.username || ' now: mail from it is theirs, so it is no longer this contact''s'
    FROM contacts_addresses a JOIN user_emails e ON e.email_lower = a.address_lower JOIN users u ON u.id = e.user_id
    WHERE e.user_id <> a.contact_id
  `.execute(db);
  // The free ones: secondary addresses of the contact's account.
  await sql`
    WITH moved AS (
      INSERT INTO user_emails (user_id, email, email_lower, is_primary)
      SELECT a.contact_id, a.address, a.address_lower, false FROM contacts_addresses a
      WHERE NOT EXISTS (SELECT 1 FROM user_emails e WHERE e.email_lower = a.address_lower)
      ON CONFLICT (email_lower) DO NOTHING
      RETURNING user_id, email, email_lower
    )
    INSERT INTO contacts_history (contact_id, actor_id, action, detail)
    SELECT m.user_id, a.added_by, 'address-added', 'added ' || m.email || ', now one of this account''s own addresses: mail from it is this contact''s everywhere'
    FROM moved m JOIN contacts_addresses a ON a.address_lower = m.email_lower
  `.execute(db);
  // Links: history on the contact and on the staged account shown as part of it.
  await sql`
    INSERT INTO contacts_history (contact_id, actor_id, action, detail)
    SELECT l.contact_id, l.linked_by, 'unlinked',
      'linked @' || u.username || ' to this contact before contacts merged through core; it is its own contact again: merge @' || u.username || ' to move its messages here'
    FROM contacts_links l JOIN users u ON u.id = l.user_id
  `.execute(db);
  await sql`
    INSERT INTO contacts_history (contact_id, actor_id, action, detail)
    SELECT l.user_id, l.linked_by, 'unlinked',
      'linked this account to @' || c.username || '''s contact before contacts merged through core; it is its own contact again: merge it there to move its messages'
    FROM contacts_links l JOIN users c ON c.id = l.contact_id
  `.execute(db);
  await sql`DROP TABLE contacts_links`.execute(db);
  await sql`DROP TABLE contacts_addresses`.execute(db);
  await sql`ALTER TABLE contacts_notes DROP CONSTRAINT contacts_notes_contact_id_fkey`.execute(db);
  await sql`ALTER TABLE contacts_history DROP CONSTRAINT contacts_history_contact_id_fkey`.execute(db);
}

/** The tables come back empty; addresses already in user_emails stay there. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM contacts_notes n WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = n.contact_id)`.execute(db);
  await sql`DELETE FROM contacts_history h WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = h.contact_id)`.execute(db);
  await sql`ALTER TABLE contacts_notes ADD CONSTRAINT contacts_notes_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES users(id) ON DELETE CASCADE`.execute(db);
  await sql`ALTER TABLE contacts_history ADD CONSTRAINT contacts_history_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES users(id) ON DELETE CASCADE`.execute(db);
  await sql`
    CREATE TABLE contacts_links (
      user_id integer PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      contact_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      linked_by integer REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (user_id <> contact_id)
    )
  `.execute(db);
  await sql`CREATE INDEX contacts_links_contact ON contacts_links (contact_id)`.execute(db);
  await sql`
    CREATE TABLE contacts_addresses (
      address_lower text PRIMARY KEY,
      address text NOT NULL,
      contact_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      added_by integer REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX contacts_addresses_contact ON contacts_addresses (contact_id)`.execute(db);
}
