import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/app-config.js';
import { mfaKeys } from './mfa-keys.js';

const SECRET = 'a'.repeat(8) + 'bcdefghijklmnopqrstuvwxyz0123456789';
const config = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/nonexistent', JWT_SECRET: SECRET, ...env });

describe('mfaKeys', () => {
  it('uses MFA_ENCRYPTION_KEY for the secrets and derives a different recovery-code key from it', () => {
    const key = randomBytes(32);
    const keys = mfaKeys(config({ MFA_ENCRYPTION_KEY: key.toString('hex') }));
    expect(keys.secretKey).toEqual(key);
    expect(keys.recoveryCodeKey).toHaveLength(32);
    expect(keys.recoveryCodeKey).not.toEqual(key);
  });

  it('derives both from the JWT secret when unset: stable, distinct, and changed by a new JWT secret', () => {
    const keys = mfaKeys(config({}));
    expect(keys.secretKey).toHaveLength(32);
    expect(keys.secretKey).not.toEqual(keys.recoveryCodeKey);
    expect(mfaKeys(config({}))).toEqual(keys);
    const rotated = mfaKeys(config({ JWT_SECRET: SECRET.replace('a', 'z') }));
    expect(rotated.secretKey).not.toEqual(keys.secretKey);
    expect(rotated.recoveryCodeKey).not.toEqual(keys.recoveryCodeKey);
  });
});
