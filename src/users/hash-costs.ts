const BCRYPT_PREFIX = /^\$2[aby]\$(\d\d)\$/;

/**
 * The highest bcrypt cost verified at login (and accepted by the import). Each step doubles the
 * work: 14 is about a second in bcryptjs, and a `$2b$31$` row would take days of CPU.
 */
export const MAX_BCRYPT_COST = 14;

/** The bcrypt cost of a hash, or null when it is not a bcrypt hash. */
export function bcryptCost(hash: string): number | null {
  const match = BCRYPT_PREFIX.exec(hash);
  return match ? Number(match[1]) : null;
}
