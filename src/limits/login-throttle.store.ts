/** One counter: `id` is a SHA-256 hex; counters of one account share `group` (a Redis hash tag). */
export interface ThrottleCounter {
  id: string;
  group: string;
  threshold: number;
}

export type Reservation =
  /** A verification slot is held until the outcome is settled. */
  | { outcome: 'verify' }
  /** A wait runs; seconds until the longest one ends. */
  | { outcome: 'wait'; retryAfter: number }
  /** Every slot the back-off has left is taken by attempts in flight: ask again shortly. */
  | { outcome: 'busy' };

/** A slot not settled within this time (the instance holding it died) is forgotten. */
export const SLOT_LEASE_SECONDS = 60;

/**
 * Where the failed-login counters live (Postgres, or Redis when REDIS_URL is set). `reserve` is
 * atomic across instances: while a wait runs it refuses; otherwise it lets only as many attempts
 * be verified at once as the back-off has left (threshold − failures, at least one), so that
 * parallel guesses cannot slip past the limit, while a right password in flight is not counted
 * as a failure. Each reserved slot is then settled by exactly one of fail, reset, release or
 * succeed.
 */
export interface LoginThrottleStore {
  reserve(counters: ThrottleCounter[]): Promise<Reservation>;
  /** Counts the failure and frees the slot; true when it started a wait. */
  fail(counters: ThrottleCounter[]): Promise<boolean>;
  /** A proven password: the streak starts over, and the slot is freed. */
  reset(counters: ThrottleCounter[]): Promise<void>;
  /** Frees the slot without counting anything. */
  release(counters: ThrottleCounter[]): Promise<void>;
  /**
   * A proven password whose outcome is written by `write`: the Postgres store hands it the
   * counter keys so that the same statement settles them (reset when it returns a value,
   * release when it returns null), with no round trip of its own; other stores settle after it.
   */
  succeed<T>(counters: ThrottleCounter[], write: (keys: string[]) => Promise<T | null>): Promise<T | null>;
  /** Drops counters nobody needs any more (no wait running, no failure for a day). */
  prune(): Promise<void>;
}
