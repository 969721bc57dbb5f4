import { createHash, timingSafeEqual } from 'node:crypto';

/** How tokens, codes and counters are stored when only their equality matters. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of a presented secret with the expected one, whatever their lengths. */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
