/**
 * API keys and roles, without I/O: the key format, its hash, and what a role may do. A key is
 * `dw_<id>_<secret>`: the id names its database row (and is what `keys list` and `keys revoke` show),
 * the secret is 32 random bytes. Only the SHA-256 hash of the whole key is stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const ROLES = ['read', 'operate', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const KEY_PREFIX = 'dw_';
const ID_BYTES = 6;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^dw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** Roles are ordered: each one may do what the ones before it may. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}

export interface NewKey { id: string; key: string; sha256: Buffer }

export function generateKey(): NewKey {
  const id = randomBytes(ID_BYTES).toString('hex');
  const key = `${KEY_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { id, key, sha256: hashKey(key) };
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The row id a key names, or null for text that is not a driftwatch key. */
export function keyId(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Constant-time, so a response's timing says nothing about how much of a guessed key was right. */
export function keyMatches(key: string, storedSha256: Buffer): boolean {
  const presented = hashKey(key);
  return presented.length === storedSha256.length && timingSafeEqual(presented, storedSha256);
}

/** The key of an `Authorization: Bearer <key>` header, or null. */
export function bearerKey(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** One cookie's value from a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return null;
}
