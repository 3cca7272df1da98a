import { sql, type Kysely } from 'kysely';

/**
 * Contacts: the team's case notes on a person, a history line for every merge, the staged
 * accounts shown as part of another contact (`contacts_links`: core merges only into a
 * signed-up account), and addresses added to a contact that no account owns
 * (`contacts_addresses`: mail from them is the contact's).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE contacts_notes (
      id serial PRIMARY KEY,
      contact_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      author_id integer REFERENCES users(id) ON DELETE SET NULL,
      raw text NOT NULL,
      cooked text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX contacts_notes_contact ON contacts_notes (contact_id, created_at DESC)`.execute(db);
  await sql`
    CREATE TABLE contacts_history (
      id serial PRIMARY KEY,
      contact_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      actor_id integer REFERENCES users(id) ON DELETE SET NULL,
      action text NOT NULL,
      detail text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX contacts_history_contact ON contacts_history (contact_id, created_at DESC)`.execute(db);
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

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE contacts_addresses; DROP TABLE contacts_links; DROP TABLE contacts_history; DROP TABLE contacts_notes`.execute(db);
}
