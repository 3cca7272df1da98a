import { sql, type Kysely } from 'kysely';

/**
 * A group's inbox: its identity for outgoing mail and its rules, the addresses that reach it (an
 * address belongs to one group; the first is its default From), and which messages the group has archived.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE group_inbox_settings (
      group_id integer PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
      from_name text NOT NULL DEFAULT '',
      from_address text,
      allow_unknown_repliers boolean NOT NULL DEFAULT false,
      cc_cap integer NOT NULL DEFAULT 10 CHECK (cc_cap BETWEEN 0 AND 100),
      smtp_url text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`
    CREATE TABLE group_inbox_addresses (
      address_lower text PRIMARY KEY,
      group_id integer NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
      position integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX group_inbox_addresses_group ON group_inbox_addresses (group_id)`.execute(db);
  await sql`
    CREATE TABLE group_inbox_archived (
      group_id integer NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
      topic_id integer NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
      archived_by integer REFERENCES users(id) ON DELETE SET NULL,
      archived_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, topic_id)
    )
  `.execute(db);
  await sql`CREATE INDEX group_inbox_archived_topic ON group_inbox_archived (topic_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE group_inbox_archived; DROP TABLE group_inbox_addresses; DROP TABLE group_inbox_settings`.execute(db);
}
