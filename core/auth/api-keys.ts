import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { badInput, notFound } from '../errors.ts';
import type { User } from '../users/users.table.ts';

/** What a key may do. `read` and `write` cover the JSON API; `email:receive` only the mail endpoint. */
export const API_SCOPES = ['read', 'write', 'email:receive', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

export interface IssuedKey { id: number; key: string; prefix: string }

/** The key is shown once; only its hash is kept. */
export async function issueApiKey(db: Kysely<DB>, input: { userId: number; scopes: string[]; description?: string; createdById: number | null }): Promise<IssuedKey> {
  const bad = input.scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (bad.length || input.scopes.length === 0) throw badInput(`Scopes must be some of ${API_SCOPES.join(', ')}.`, { field: 'scopes' });
  const key = `pk_${randomBytes(24).toString('base64url')}`;
  const row = await db.insertInto('api_keys').values({
    key_hash: hash(key), key_prefix: key.slice(0, 7), user_id: input.userId, scopes: input.scopes,
    description: input.description ?? '', created_by_id: input.createdById, last_used_at: null, revoked_at: null,
  }).returning('id').executeTakeFirstOrThrow();
  return { id: row.id, key, prefix: key.slice(0, 7) };
}

/** The user a key acts as, with its scopes, or null. */
export async function userForApiKey(db: Kysely<DB>, key: string): Promise<{ user: User; scopes: string[]; keyId: number } | null> {
  const digest = hash(key);
  const row = await db.selectFrom('api_keys').innerJoin('users', 'users.id', 'api_keys.user_id')
    .selectAll('users').select(['api_keys.id as key_id', 'api_keys.key_hash', 'api_keys.scopes'])
    .where('api_keys.key_hash', '=', digest).where('api_keys.revoked_at', 'is', null).executeTakeFirst();
  // The lookup is by hash, so timing reveals nothing of the key; compare again in constant time anyway.
  if (!row || !timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(digest))) return null;
  const { key_id, key_hash: _h, scopes, ...user } = row;
  await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', key_id).execute();
  return { user, scopes, keyId: key_id };
}

export async function revokeApiKey(db: Kysely<DB>, id: number): Promise<void> {
  const r = await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw notFound('That API key');
}

export const listApiKeys = (db: Kysely<DB>) =>
  db.selectFrom('api_keys').innerJoin('users', 'users.id', 'api_keys.user_id')
    .select(['api_keys.id', 'api_keys.key_prefix', 'api_keys.description', 'api_keys.scopes', 'api_keys.created_at', 'api_keys.last_used_at', 'api_keys.revoked_at', 'users.username'])
    .orderBy('api_keys.id', 'desc').execute();
