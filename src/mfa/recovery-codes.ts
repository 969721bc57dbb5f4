import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new code as shown to the user: 10 characters of [a-z0-9], as xxxxx-xxxxx. */
export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** The code as stored (lower case, no hyphen), or null when the input cannot be a recovery code. */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.trim().toLowerCase();
  const match = /^([a-z0-9]{5})-?([a-z0-9]{5})$/.exec(compact);
  return match ? match[1] + match[2] : null;
}

/** Keyed hash, hex: a stolen table alone does not let anyone test guesses offline. */
export function hashRecoveryCode(key: Buffer, normalized: string): string {
  return createHmac('sha256', key).update(normalized).digest('hex');
}
