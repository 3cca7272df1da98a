import type { Generated, Selectable } from 'kysely';

export type GroupVisibility = 'public' | 'logged_in' | 'members' | 'staff';
export type GroupAudience = 'nobody' | 'members' | 'staff' | 'everyone';

/** 0 muted, 1 normal, 2 tracking, 3 watching: the same scale as topic notification levels. */
export type NotificationLevel = 0 | 1 | 2 | 3;

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  name_lower: string;
  full_name: Generated<string>;
  description: Generated<string>;
  automatic: Generated<boolean>;
  visibility: Generated<GroupVisibility>;
  messageable: Generated<GroupAudience>;
  mentionable: Generated<GroupAudience>;
  default_notification_level: Generated<NotificationLevel>;
  created_at: Generated<Date>;
}

export interface GroupUsersTable {
  group_id: number;
  user_id: number;
  owner: Generated<boolean>;
  notification_level: Generated<NotificationLevel>;
  created_at: Generated<Date>;
}

/** The automatic group that stands for every visitor in category permissions. */
export const EVERYONE_GROUP_ID = 0;

export type Group = Selectable<GroupsTable>;
export type GroupUser = Selectable<GroupUsersTable>;
