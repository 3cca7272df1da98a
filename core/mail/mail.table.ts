import type { ColumnType, Generated, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string | undefined, string>;

export type IncomingSource = 'http' | 'pipe' | 'imap' | 'smtp';
export type IncomingStatus = 'received' | 'created' | 'bounce' | 'rejected' | 'duplicate' | 'error';

/** One decision of the pipeline, in order: what was looked at, and what it concluded. */
export interface TraceStep { step: string; decision: string; detail?: string }

export interface IncomingEmailsTable {
  id: Generated<number>;
  source: IncomingSource;
  source_ref: string | null;
  raw: Buffer;
  raw_sha256: string;
  envelope_recipients: Generated<string[]>;
  received_at: Generated<Date>;
  status: Generated<IncomingStatus>;
  reason: string | null;
  error: string | null;
  message_id: string | null;
  destination: string | null;
  dedupe_key: string | null;
  from_address: string | null;
  subject: string | null;
  spam: Generated<boolean>;
  auto_generated: Generated<boolean>;
  trace: Json<TraceStep[]>;
  elided: string | null;
  user_id: number | null;
  topic_id: number | null;
  post_id: number | null;
  attempts: Generated<number>;
  processed_at: Date | null;
}

export interface EmailMessageIdsTable {
  message_id: string;
  topic_id: number;
  post_id: number | null;
  direction: 'in' | 'out';
  created_at: Generated<Date>;
}

export interface EmailReplyKeysTable {
  reply_key: string;
  user_id: number;
  topic_id: number;
  post_id: number | null;
  created_at: Generated<Date>;
}

export type OutgoingStatus = 'queued' | 'sent' | 'failed' | 'outbox' | 'suppressed';

export interface OutgoingEmailsTable {
  id: Generated<number>;
  kind: string;
  status: Generated<OutgoingStatus>;
  to_address: string;
  from_address: string;
  reply_to: string | null;
  subject: string;
  message_id: string;
  in_reply_to: string | null;
  references_ids: Generated<string[]>;
  return_path: string | null;
  headers: Json<Record<string, string>>;
  text_body: string;
  html_body: string | null;
  user_id: number | null;
  topic_id: number | null;
  post_id: number | null;
  incoming_email_id: number | null;
  /** A named transport (`email-transport` resolves it at send time); null for the site's SMTP_URL. */
  transport: Generated<string | null>;
  attempts: Generated<number>;
  error: string | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
}

export interface EmailAddressStatesTable {
  address_lower: string;
  hard_bounces: Generated<number>;
  soft_bounces: Generated<number>;
  last_status: string | null;
  last_bounce_at: Date | null;
  suppressed_at: Date | null;
  suppressed_reason: string | null;
}

export interface EmailRejectionNoticesTable { address_lower: string; reason: string; day: string }

export interface EmailSenderRulesTable {
  id: Generated<number>;
  pattern: string;
  rule: 'block' | 'allow';
  note: Generated<string>;
  created_at: Generated<Date>;
}

export interface EmailMailboxesTable {
  id: Generated<number>;
  name: string;
  host: string;
  port: Generated<number>;
  tls: Generated<boolean>;
  username: string;
  password: string;
  folder: Generated<string>;
  after_import: Generated<'seen' | 'move'>;
  move_to: string | null;
  enabled: Generated<boolean>;
  uid_validity: string | null;
  last_uid: Generated<number>;
  status: Generated<string>;
  last_error: string | null;
  last_error_at: Date | null;
  failures: Generated<number>;
  next_attempt_at: Date | null;
  last_checked_at: Date | null;
  imported_count: Generated<number>;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  created_at: Generated<Date>;
}

export type IncomingEmail = Selectable<IncomingEmailsTable>;
export type OutgoingEmail = Selectable<OutgoingEmailsTable>;
export type Mailbox = Selectable<EmailMailboxesTable>;
export type AddressState = Selectable<EmailAddressStatesTable>;
