/** A failure streak is forgotten after a day without failures (and without a running wait). */
export const FAILURE_MEMORY_SECONDS = 24 * 3600;

/** Per account, all IPs together (NIST SP 800-63B §5.2.2 allows at most 100). */
export const ACCOUNT_MAX_FAILURES = 100;

export interface BackoffPolicy {
  /** First wait, seconds (LOGIN_BACKOFF_BASE, 1 min). */
  base: number;
  /** Longest wait, seconds (LOGIN_BACKOFF_MAX, 15 min). */
  cap: number;
}

/**
 * The wait that follows the `failures`-th consecutive failure: none below the threshold, then
 * base, 2·base, 4·base… up to cap (by default 1 min doubling to 15 min).
 */
export function waitAfterFailures(failures: number, threshold: number, policy: BackoffPolicy): number {
  if (failures < threshold) return 0;
  const doublings = Math.min(failures - threshold, 30);
  return Math.min(policy.base * 2 ** doublings, policy.cap);
}
