import { randomBytes } from 'node:crypto';
import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';

describe('recovery codes', () => {
  it('are 10 characters of [a-z0-9] shown as xxxxx-xxxxx', () => {
    const codes = Array.from({ length: 50 }, () => newRecoveryCode());
    for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    expect(new Set(codes).size).toBe(50);
  });

  it('accept any case and an optional hyphen, and nothing else', () => {
    expect(normalizeRecoveryCode('abcde-12345')).toBe('abcde12345');
    expect(normalizeRecoveryCode('ABCDE12345')).toBe('abcde12345');
    expect(normalizeRecoveryCode(' AbCdE-12345 ')).toBe('abcde12345');
    expect(normalizeRecoveryCode('abcd-e12345')).toBeNull();
    expect(normalizeRecoveryCode('abcde--12345')).toBeNull();
    expect(normalizeRecoveryCode('abcde-1234')).toBeNull();
    expect(normalizeRecoveryCode('abcde-1234_')).toBeNull();
  });

  it('are hashed with the key (another key, another hash)', () => {
    const key = randomBytes(32);
    expect(hashRecoveryCode(key, 'abcde12345')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(key, 'abcde12345')).toBe(hashRecoveryCode(key, 'abcde12345'));
    expect(hashRecoveryCode(randomBytes(32), 'abcde12345')).not.toBe(hashRecoveryCode(key, 'abcde12345'));
  });
});
