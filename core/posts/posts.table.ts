import type { ColumnType, Generated, Selectable } from 'kysely';

export const PostType = { regular: 1, moderatorAction: 2, smallAction: 3, whisper: 4 } as const;
export type PostTypeId = (typeof PostType)[keyof typeof PostType];
export type PostVia = 'web' | 'email' | 'api';

export interface PostsTable {
  id: Generated<number>;
  topic_id: number;
  user_id: number | null;
  post_number: number;
  raw: string;
  cooked: string;
  post_type: Generated<PostTypeId>;
  action_code: string | null;
  reply_to_post_number: number | null;
  via: Generated<PostVia>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deleted_at: Date | null;
  deleted_by_id: number | null;
  search_vector: ColumnType<string, never, never>;
}

export interface PostRevisionsTable {
  id: Generated<number>;
  post_id: number;
  user_id: number | null;
  number: number;
  raw_before: string;
  raw_after: string;
  created_at: Generated<Date>;
}

export type Post = Omit<Selectable<PostsTable>, 'search_vector'>;
