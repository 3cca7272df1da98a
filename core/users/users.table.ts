import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  username_lower: string;
  name: Generated<string>;
  password_hash: string | null;
  active: Generated<boolean>;
  staged: Generated<boolean>;
  admin: Generated<boolean>;
  moderator: Generated<boolean>;
  suspended_until: Date | null;
  suspended_reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  last_seen_at: Date | null;
}

export interface UserEmailsTable {
  id: Generated<number>;
  user_id: number;
  email: string;
  email_lower: string;
  is_primary: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface UserOptionsTable {
  user_id: number;
  email_messages: Generated<boolean>;
  email_replies: Generated<boolean>;
  email_mentions: Generated<boolean>;
  email_digests: Generated<boolean>;
  auto_track_on_reply: Generated<boolean>;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type UserEmail = Selectable<UserEmailsTable>;
export type UserOptions = Selectable<UserOptionsTable>;
