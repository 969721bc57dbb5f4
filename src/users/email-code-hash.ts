import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';

/**
 * The key for the codes' keyed hash, derived (HKDF-SHA256, its own `info`) from the JWT signing
 * secret or private key: a stolen database alone does not let anyone brute-force the 10^6
 * codes offline, and no separate secret has to be configured. Rotating the JWT key only
 * invalidates codes still outstanding (they live minutes).
 */
export function deriveCodeKey(config: AppConfig): Buffer {
  const material = config.jwt.secret ?? config.jwt.privateKeyPem;
  if (!material) throw new Error('No JWT secret or private key to derive the code key from');
  return Buffer.from(hkdfSync('sha256', material, 'warden', 'warden/email-code-hmac/v1', 32));
}

/** A uniformly random numeric code of `length` digits, leading zeros kept. */
export function randomNumericCode(length: number): string {
  return randomInt(0, 10 ** length)
    .toString()
    .padStart(length, '0');
}

/** Bound to the address, so a code hash is useless for any other target. */
export function hashCode(key: Buffer, targetEmail: string, code: string): string {
  return createHmac('sha256', key).update(`${targetEmail}\n${code}`).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
