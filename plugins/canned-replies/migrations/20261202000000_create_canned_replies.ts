import { sql, type Kysely } from 'kysely';

/** Each group's library of canned replies: a title, a Markdown body with variables, and how often it was used. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE canned_replies_entries (
      id serial PRIMARY KEY,
      group_id integer NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
      title text NOT NULL,
      body text NOT NULL,
      usage_count integer NOT NULL DEFAULT 0,
      last_used_at timestamptz,
      created_by integer REFERENCES users(id) ON DELETE SET NULL,
      updated_by integer REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  // One title per library, whatever its case: agents pick replies by title.
  await sql`CREATE UNIQUE INDEX canned_replies_entries_title ON canned_replies_entries (group_id, lower(title))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE canned_replies_entries`.execute(db);
}
