import type { Generated, Selectable } from 'kysely';

export interface UploadsTable {
  id: Generated<number>;
  sha256: string;
  original_filename: string;
  content_type: string;
  size: number;
  user_id: number | null;
  created_at: Generated<Date>;
}

export interface PostUploadsTable { post_id: number; upload_id: number }
export interface UploadUsersTable { upload_id: number; user_id: number; created_at: Generated<Date> }

export type Upload = Selectable<UploadsTable>;
