import { sql, type Kysely } from 'kysely';

/**
 * Messages a group marked as spam (who, when, and the sender's address if they blocked it), and
 * messages a team member opened on a customer's behalf (who, and how it came in: a phone call…).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE group_inbox_spam (
      group_id integer NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
      topic_id integer NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
      marked_by integer REFERENCES users(id) ON DELETE SET NULL,
      marked_at timestamptz NOT NULL DEFAULT now(),
      blocked_address text,
      PRIMARY KEY (group_id, topic_id)
    )
  `.execute(db);
  await sql`CREATE INDEX group_inbox_spam_topic ON group_inbox_spam (topic_id)`.execute(db);
  await sql`
    CREATE TABLE group_inbox_opened (
      topic_id integer PRIMARY KEY REFERENCES topics(id) ON DELETE CASCADE,
      group_id integer NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
      opened_by integer REFERENCES users(id) ON DELETE SET NULL,
      channel text NOT NULL CHECK (channel IN ('phone', 'in_person', 'chat', 'other')),
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE group_inbox_opened; DROP TABLE group_inbox_spam`.execute(db);
}
