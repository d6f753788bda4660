import { describe, expect, it } from 'vitest';
import { bearerKey, cookieValue, generateKey, hashKey, isRole, keyId, keyMatches, roleAllows } from '../../../src/service/api-keys';

describe('API keys', () => {
  it('are dw_<id>_<secret> with 32 random bytes of secret, hashed with SHA-256, never equal twice', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a.key).toMatch(/^dw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.key.slice(16), 'base64url')).toHaveLength(32);
    expect(a.key).not.toBe(b.key);
    expect(a.sha256.equals(hashKey(a.key))).toBe(true);
    expect(keyId(a.key)).toBe(a.id);
  });

  it('name their row only when the whole key has the format', () => {
    expect(keyId('dw_0123456789ab_' + 'x'.repeat(43))).toBe('0123456789ab');
    expect(keyId('dw_0123456789ab_' + 'x'.repeat(42))).toBeNull();
    expect(keyId('dw_0123456789AB_' + 'x'.repeat(43))).toBeNull();
    expect(keyId('Bearer dw_0123456789ab_' + 'x'.repeat(43))).toBeNull();
  });

  it('match their stored hash only', () => {
    const { key, sha256 } = generateKey();
    expect(keyMatches(key, sha256)).toBe(true);
    expect(keyMatches(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, sha256)).toBe(false);
    expect(keyMatches(key, sha256.subarray(0, 16))).toBe(false);
  });
});

describe('roles', () => {
  it('are ordered read < operate < admin', () => {
    expect(roleAllows('admin', 'operate')).toBe(true);
    expect(roleAllows('operate', 'operate')).toBe(true);
    expect(roleAllows('operate', 'admin')).toBe(false);
    expect(roleAllows('read', 'operate')).toBe(false);
    expect(roleAllows('read', 'read')).toBe(true);
    expect(isRole('operate')).toBe(true);
    expect(isRole('root')).toBe(false);
  });
});

describe('credentials in headers', () => {
  it('reads a Bearer key, case-insensitively, and nothing else', () => {
    expect(bearerKey('Bearer dw_x')).toBe('dw_x');
    expect(bearerKey('bearer   dw_x ')).toBe('dw_x');
    expect(bearerKey('Basic dXNlcjpwYXNz')).toBeNull();
    expect(bearerKey('Bearer a b')).toBeNull();
    expect(bearerKey(undefined)).toBeNull();
  });

  it('reads one cookie among several', () => {
    expect(cookieValue('a=1; driftwatch_key=dw%5Fx; b=2', 'driftwatch_key')).toBe('dw_x');
    expect(cookieValue('xdriftwatch_key=1', 'driftwatch_key')).toBeNull();
    expect(cookieValue(undefined, 'driftwatch_key')).toBeNull();
  });
});
