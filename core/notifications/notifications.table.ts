import type { Generated, Selectable } from 'kysely';

export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  notification_type: string;
  data: Generated<Record<string, unknown>>;
  high_priority: Generated<boolean>;
  read: Generated<boolean>;
  topic_id: number | null;
  post_number: number | null;
  created_at: Generated<Date>;
}

export type Notification = Selectable<NotificationsTable>;
