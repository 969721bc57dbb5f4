/** One counter: `id` is a SHA-256 hex; counters of one account share `group` (a Redis hash tag). */
export interface ThrottleCounter {
  id: string;
  group: string;
  threshold: number;
}

export type Reservation =
  | {
      allowed: true;
      /** This attempt started a wait (it is refused only if the password is wrong). */ lockedNow: boolean;
    }
  | { allowed: false; /** Seconds until the longest running wait ends. */ retryAfter: number };

/**
 * Where the failed-login counters live (Postgres, or Redis when REDIS_URL is set). `reserve` is
 * atomic across instances: it refuses while any counter's wait runs, and otherwise counts the
 * attempt as a failure up front, so that parallel guesses cannot slip past the limit between
 * "check" and "count". A success then clears the counters.
 */
export interface LoginThrottleStore {
  /**
   * True when the counters are rows of `login_throttle` in the app's database (the Postgres
   * store): a successful login then deletes them in its own statement instead of calling clear().
   */
  readonly inDatabase: boolean;
  reserve(counters: ThrottleCounter[]): Promise<Reservation>;
  clear(counters: ThrottleCounter[]): Promise<void>;
}
