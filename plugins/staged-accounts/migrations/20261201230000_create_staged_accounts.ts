import { sql, type Kysely } from 'kysely';

/**
 * Which staged accounts this plugin made, from which mail (for the caps and the purge), and the
 * signups waiting for their email confirmation to claim one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE staged_accounts (
      user_id integer PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      incoming_email_id integer REFERENCES incoming_emails(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX staged_accounts_created ON staged_accounts (created_at)`.execute(db);
  await sql`CREATE INDEX staged_accounts_mail ON staged_accounts (incoming_email_id)`.execute(db);
  await sql`
    CREATE TABLE staged_claims (
      token_hash text PRIMARY KEY,
      user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      username text NOT NULL,
      name text NOT NULL DEFAULT '',
      password_hash text NOT NULL,
      next_path text,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db);
  await sql`CREATE INDEX staged_claims_user ON staged_claims (user_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE staged_claims; DROP TABLE staged_accounts`.execute(db);
}
