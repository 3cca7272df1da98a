import { sql, type Kysely } from 'kysely';

/** Who holds each message: a member, or a group as a whole. One holder per topic. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE assign_assignments (
      topic_id integer PRIMARY KEY REFERENCES topics(id) ON DELETE CASCADE,
      user_id integer REFERENCES users(id) ON DELETE CASCADE,
      group_id integer REFERENCES groups(id) ON DELETE CASCADE,
      assigned_by integer REFERENCES users(id) ON DELETE SET NULL,
      assigned_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((user_id IS NULL) <> (group_id IS NULL))
    )
  `.execute(db);
  await sql`CREATE INDEX assign_assignments_user ON assign_assignments (user_id) WHERE user_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX assign_assignments_group ON assign_assignments (group_id) WHERE group_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE assign_assignments`.execute(db);
}
