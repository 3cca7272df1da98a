import type { Generated } from 'kysely';

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: Generated<Date>;
  expires_at: Date;
  last_seen_at: Generated<Date>;
  user_agent: Generated<string>;
  ip: Generated<string>;
}

export interface ApiKeysTable {
  id: Generated<number>;
  key_hash: string;
  key_prefix: string;
  user_id: number;
  description: Generated<string>;
  scopes: Generated<string[]>;
  created_by_id: number | null;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface SiteSettingsTable { name: string; value: unknown; updated_at: Generated<Date> }
export interface PluginSettingsTable { plugin: string; name: string; value: unknown; updated_at: Generated<Date> }

export interface RealtimeEventsTable {
  id: Generated<number>;
  channel: string;
  payload: unknown;
  topic_id: number | null;
  user_ids: number[] | null;
  group_ids: number[] | null;
  created_at: Generated<Date>;
}

export interface RateLimitsTable { key: string; hits: number; reset_at: Date }
