import { sql, type Kysely } from 'kysely';

/** Which transport a message leaves by, when not the site's own (a group's SMTP server, say). */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE outgoing_emails ADD COLUMN transport text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE outgoing_emails DROP COLUMN transport`.execute(db);
}
