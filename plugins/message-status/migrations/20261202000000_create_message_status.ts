import { sql, type Kysely } from 'kysely';

/**
 * Each group message's status (a message with no row is open) and the closing notes written when
 * one is solved: who handled it, the action taken, and what was done.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE message_status_states (
      topic_id integer PRIMARY KEY REFERENCES topics(id) ON DELETE CASCADE,
      status text NOT NULL CHECK (status IN ('open', 'pending', 'solved')),
      changed_by integer REFERENCES users(id) ON DELETE SET NULL,
      changed_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX message_status_states_status ON message_status_states (status, topic_id)`.execute(db);
  await sql`
    CREATE TABLE message_status_closing_notes (
      id serial PRIMARY KEY,
      topic_id integer NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
      handled_by integer REFERENCES users(id) ON DELETE SET NULL,
      written_by integer REFERENCES users(id) ON DELETE SET NULL,
      action text NOT NULL,
      note text NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX message_status_closing_notes_topic ON message_status_closing_notes (topic_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE message_status_closing_notes`.execute(db);
  await sql`DROP TABLE message_status_states`.execute(db);
}
