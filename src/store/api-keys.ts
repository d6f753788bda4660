/**
 * API keys of the HTTP service: created and revoked with `driftwatch keys`, checked on every request.
 * The key itself is never stored (src/service/api-keys.ts).
 */
import { generateKey, keyId, keyMatches, type Role } from '../service/api-keys';
import type { Db } from './db';

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Usage is recorded at most this often per key, so busy clients do not write on every request. */
const LAST_USED_RESOLUTION = '1 minute';

interface ApiKeyRow {
  id: string; name: string; role: Role; key_sha256: Buffer; created_at: Date; created_by: string;
  last_used_at: Date | null; revoked_at: Date | null;
}

/** Stores a new key's hash; the returned `key` is the only time the key exists outside its holder. */
export async function createApiKey(db: Db, request: { name: string; role: Role; createdBy: string }): Promise<ApiKeyRecord & { key: string }> {
  const { id, key, sha256 } = generateKey();
  const result = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, name, role, key_sha256, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [id, request.name, request.role, sha256, request.createdBy],
  );
  return { ...recordOf(result.rows[0]!), key };
}

export async function listApiKeys(db: Db): Promise<ApiKeyRecord[]> {
  const result = await db.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
  return result.rows.map(recordOf);
}

/** Revokes a key; null when there is no such key. Revoking a revoked key keeps its first revocation time. */
export async function revokeApiKey(db: Db, id: string): Promise<ApiKeyRecord | null> {
  const result = await db.query<ApiKeyRow>(
    'UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *',
    [id],
  );
  return result.rows[0] ? recordOf(result.rows[0]) : null;
}

export type KeyCheck = { valid: true; key: ApiKeyRecord } | { valid: false; reason: 'unknown' | 'revoked' };

/** Whether a presented key is one of ours and not revoked; records its use. */
export async function checkApiKey(db: Db, presented: string): Promise<KeyCheck> {
  const id = keyId(presented);
  if (id === null) return { valid: false, reason: 'unknown' };
  const row = (await db.query<ApiKeyRow>('SELECT * FROM api_keys WHERE id = $1', [id])).rows[0];
  if (!row || !keyMatches(presented, row.key_sha256)) return { valid: false, reason: 'unknown' };
  if (row.revoked_at !== null) return { valid: false, reason: 'revoked' };
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_RESOLUTION}')`,
    [id],
  );
  return { valid: true, key: recordOf(row) };
}

function recordOf(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id, name: row.name, role: row.role, createdAt: row.created_at.toISOString(), createdBy: row.created_by,
    lastUsedAt: row.last_used_at?.toISOString() ?? null, revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
