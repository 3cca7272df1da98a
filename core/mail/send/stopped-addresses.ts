import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * A user's addresses that Parley has stopped mailing because they bounced: why, since when, and
 * the bounces counted. The admin's user page and the user's own preferences page show them.
 */
export function stoppedAddresses(db: Kysely<DB>, userId: number) {
  return db.selectFrom('user_emails').innerJoin('email_address_states', 'email_address_states.address_lower', 'user_emails.email_lower')
    .select(['user_emails.email', 'user_emails.is_primary', 'email_address_states.suppressed_at', 'email_address_states.suppressed_reason',
      'email_address_states.hard_bounces', 'email_address_states.soft_bounces', 'email_address_states.last_status', 'email_address_states.last_bounce_at'])
    .where('user_emails.user_id', '=', userId).where('email_address_states.suppressed_at', 'is not', null)
    .orderBy('user_emails.is_primary', 'desc').orderBy('user_emails.email_lower').execute();
}
