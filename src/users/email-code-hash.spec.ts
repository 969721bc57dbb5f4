import type { AppConfig } from '../config/app-config.js';
import { deriveCodeKey, hashCode, randomNumericCode, sameHash } from './email-code-hash.js';

const config = (secret?: string, privateKeyPem?: string) => ({ jwt: { secret, privateKeyPem } }) as AppConfig;

describe('email code hashing', () => {
  it('makes codes of exactly the configured number of digits, leading zeros kept', () => {
    const codes = Array.from({ length: 2000 }, () => randomNumericCode(6));
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    expect(codes.some((c) => c.startsWith('0'))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(1900);
    expect(randomNumericCode(10)).toMatch(/^\d{10}$/);
  });

  it('derives a 32-byte key that depends on the JWT secret (or private key) and is not the secret', () => {
    const key = deriveCodeKey(config('s'.repeat(40)));
    expect(key).toHaveLength(32);
    expect(key.equals(deriveCodeKey(config('s'.repeat(40))))).toBe(true);
    expect(key.equals(deriveCodeKey(config('t'.repeat(40))))).toBe(false);
    expect(key.toString('utf8')).not.toContain('ssss');
    expect(deriveCodeKey(config(undefined, '-----BEGIN PRIVATE KEY-----x'))).toHaveLength(32);
    expect(() => deriveCodeKey(config())).toThrow();
  });

  it('binds the hash to key, address and code, and compares in constant time', () => {
    const key = deriveCodeKey(config('s'.repeat(40)));
    const other = deriveCodeKey(config('t'.repeat(40)));
    const h = hashCode(key, 'a@example.com', '123456');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(sameHash(h, hashCode(key, 'a@example.com', '123456'))).toBe(true);
    expect(sameHash(h, hashCode(key, 'b@example.com', '123456'))).toBe(false);
    expect(sameHash(h, hashCode(key, 'a@example.com', '123457'))).toBe(false);
    expect(sameHash(h, hashCode(other, 'a@example.com', '123456'))).toBe(false);
    expect(sameHash(h, 'abcd')).toBe(false);
  });
});
