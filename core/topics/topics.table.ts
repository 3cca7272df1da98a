import type { ColumnType, Generated, Selectable } from 'kysely';

export type Archetype = 'regular' | 'private_message';

export interface TopicsTable {
  id: Generated<number>;
  title: string;
  slug: Generated<string>;
  archetype: Generated<Archetype>;
  category_id: number | null;
  user_id: number | null;
  closed: Generated<boolean>;
  archived: Generated<boolean>;
  visible: Generated<boolean>;
  excerpt: Generated<string>;
  created_at: Generated<Date>;
  bumped_at: Generated<Date>;
  last_posted_at: Date | null;
  last_post_user_id: number | null;
  posts_count: Generated<number>;
  highest_post_number: Generated<number>;
  highest_staff_post_number: Generated<number>;
  deleted_at: Date | null;
  deleted_by_id: number | null;
  search_vector: ColumnType<string, never, never>;
}

export interface TopicAllowedUsersTable { topic_id: number; user_id: number }
export interface TopicAllowedGroupsTable { topic_id: number; group_id: number }

export interface TopicUsersTable {
  user_id: number;
  topic_id: number;
  notification_level: Generated<number>;
  last_read_post_number: Generated<number>;
  posted: Generated<boolean>;
  first_visited_at: Date | null;
  last_visited_at: Date | null;
}

export type Topic = Omit<Selectable<TopicsTable>, 'search_vector'>;
