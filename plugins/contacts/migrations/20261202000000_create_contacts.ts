import { sql, type Kysely } from 'kysely';

/**
 * Contacts: the team's case notes on a person, and a history line for every merge or added
 * address. A contact is a user; merged addresses are core's (user_emails).
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE contacts_history; DROP TABLE contacts_notes`.execute(db);
}
