import { sql, type Kysely } from 'kysely';

/**
 * Everyone who uploaded a file. Files are stored once per content, so the same bytes can come
 * from several people; each of them may open and attach their own upload.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE upload_users (
      upload_id integer NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
      user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (upload_id, user_id)
    );
    CREATE INDEX upload_users_user ON upload_users (user_id);
    INSERT INTO upload_users (upload_id, user_id) SELECT id, user_id FROM uploads WHERE user_id IS NOT NULL;
  `.execute(db);
}
