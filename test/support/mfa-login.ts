import { Secret } from 'otpauth';
import { MfaCrypto } from '../../src/mfa/mfa-crypto.service.js';
import { newRecoveryCode, normalizeRecoveryCode } from '../../src/mfa/recovery-codes.js';
import type { TestApp } from './app.js';
import { PASSWORD } from './accounts.js';
import type { Client } from './http.js';

export const ORIGIN = 'http://localhost:3000';

/**
 * Gives the user a confirmed TOTP factor and ten recovery codes, stored as the MFA module stores
 * them (sealed secret, keyed hashes), and turns MFA on: the state the enrolment leaves behind.
 */
export async function giveMfa(t: TestApp, userId: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const crypto = t.app.get(MfaCrypto);
  const secret = new Secret({ size: 20 }).base32;
  const recoveryCodes = Array.from({ length: 10 }, () => newRecoveryCode());
  await t.dataSource.transaction(async (em) => {
    await em.query(
      `INSERT INTO mfa_factors (user_id, type, secret_ciphertext, confirmed_at) VALUES ($1, 'totp', $2, now())`,
      [userId, crypto.sealSecret(secret)],
    );
    for (const code of recoveryCodes) {
      await em.query(`INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, [
        userId,
        crypto.recoveryCodeHash(normalizeRecoveryCode(code)!),
      ]);
    }
    await em.query(`UPDATE users SET mfa_enabled = true WHERE id = $1`, [userId]);
  });
  return { secret, recoveryCodes };
}

/** Registers a user with MFA on. */
export async function registerWithMfa(t: TestApp, http: Client, email: string) {
  const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  const userId = res.body.id as string;
  return { userId, email, ...(await giveMfa(t, userId)) };
}

/** The password step of the token endpoint. */
export function passwordGrant(http: Client, username: string, password = PASSWORD, scope?: string) {
  return http.post('/auth/token', {
    form: { grant_type: 'password', username, password, ...(scope ? { scope } : {}) },
  });
}

export function otpGrant(http: Client, mfaToken: string, otp: string) {
  return http.post('/auth/token', {
    form: { grant_type: 'urn:warden:params:oauth:grant-type:mfa-otp', mfa_token: mfaToken, otp },
  });
}

export function recoveryGrant(http: Client, mfaToken: string, recoveryCode: string) {
  return http.post('/auth/token', {
    form: {
      grant_type: 'urn:warden:params:oauth:grant-type:mfa-recovery-code',
      mfa_token: mfaToken,
      recovery_code: recoveryCode,
    },
  });
}

/** A wrong code for `secret` at every step the server accepts. */
export function wrongCode(valid: string[]): string {
  for (let i = 0; ; i += 1) {
    const code = String((Number(valid[0]) + 1 + i * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.includes(code)) return code;
  }
}
