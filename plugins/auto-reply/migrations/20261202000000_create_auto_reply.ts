import { sql, type Kysely } from 'kysely';

/**
 * A group's acknowledgement (off until an admin turns it on), one decision per message (due, then
 * sent or not sent and why), and one token bucket per recipient address.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE auto_reply_settings (
      group_id integer PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
      enabled boolean NOT NULL DEFAULT false,
      delay_minutes integer NOT NULL DEFAULT 60 CHECK (delay_minutes BETWEEN 0 AND 10080),
      subject text NOT NULL,
      body text NOT NULL,
      per_address_per_hour integer NOT NULL DEFAULT 3 CHECK (per_address_per_hour BETWEEN 1 AND 100),
      updated_by integer REFERENCES users(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`
    CREATE TABLE auto_reply_messages (
      topic_id integer PRIMARY KEY REFERENCES topics(id) ON DELETE CASCADE,
      group_id integer REFERENCES groups(id) ON DELETE SET NULL,
      post_id integer REFERENCES posts(id) ON DELETE SET NULL,
      incoming_email_id integer REFERENCES incoming_emails(id) ON DELETE SET NULL,
      customer_id integer REFERENCES users(id) ON DELETE SET NULL,
      address text,
      state text NOT NULL CHECK (state IN ('pending', 'sent', 'skipped')),
      reason text,
      detail text,
      due_at timestamptz NOT NULL,
      decided_at timestamptz,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
  await sql`CREATE INDEX auto_reply_messages_due ON auto_reply_messages (due_at) WHERE state = 'pending'`.execute(db);
  await sql`
    CREATE TABLE auto_reply_buckets (
      address_lower text PRIMARY KEY,
      tokens double precision NOT NULL,
      updated_at timestamptz NOT NULL
    )
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE auto_reply_buckets`.execute(db);
  await sql`DROP TABLE auto_reply_messages`.execute(db);
  await sql`DROP TABLE auto_reply_settings`.execute(db);
}
