import { HttpException, Logger } from '@nestjs/common';
import type { LoginThrottleStore, ThrottleCounter } from './login-throttle.store.js';

/** 429 with Retry-After while the back-off runs, the same for known and unknown accounts. */
export class TooManyAttemptsError extends HttpException {
  readonly headers: Record<string, string>;

  constructor(readonly retryAfter: number) {
    super(`Too many failed sign-in attempts; try again in ${retryAfter} seconds`, 429);
    this.headers = { 'Retry-After': `${retryAfter}` };
  }
}

/**
 * The counters cannot be read (Redis down): the check fails closed, since letting attempts
 * through unthrottled would reopen unlimited guessing. 503 with Retry-After.
 */
export class AttemptsUnavailableError extends HttpException {
  readonly headers = { 'Retry-After': '5' };

  constructor() {
    super('Sign-in is temporarily unavailable; try again shortly', 503);
  }
}

const logger = new Logger('LoginThrottle');

/**
 * One password attempt holding a verification slot of its counters. Exactly one of the
 * settling methods is called; a failure to settle is logged, never the caller's problem
 * (an unsettled slot is forgotten after its lease).
 */
export class ThrottledAttempt {
  private settled = false;

  constructor(
    private readonly store: LoginThrottleStore,
    readonly counters: ThrottleCounter[],
  ) {}

  /** A wrong password (or a refused account): counted; true when it started a wait. */
  async fail(): Promise<boolean> {
    if (!this.take()) return false;
    return this.store.fail(this.counters).catch((err: unknown) => {
      logger.error({ err }, 'Could not count a failed sign-in attempt');
      return false;
    });
  }

  /** The password was proven: the streak starts over. */
  async reset(): Promise<void> {
    if (!this.take()) return;
    await this.store.reset(this.counters).catch((err: unknown) => {
      logger.warn({ err }, 'Could not reset the login counters');
    });
  }

  /** Nothing to count (the attempt was abandoned, or lost a race). */
  async release(): Promise<void> {
    if (!this.take()) return;
    await this.store.release(this.counters).catch((err: unknown) => {
      logger.warn({ err }, 'Could not release a login attempt');
    });
  }

  /**
   * The password was proven and `write` records the outcome: with counters in the database it
   * gets their keys and settles them in its own statement (reset when it returns a value,
   * release when it returns null). If `write` throws, the slot is released.
   */
  async succeed<T>(write: (keys: string[]) => Promise<T | null>): Promise<T | null> {
    if (!this.take()) throw new Error('attempt already settled');
    const done: { result?: T | null } = {};
    try {
      return await this.store.succeed(this.counters, async (keys) => {
        done.result = await write(keys);
        return done.result;
      });
    } catch (error) {
      // The outcome is written; only settling the counters failed (the next success does it).
      if ('result' in done) {
        logger.warn({ err: error }, 'Could not reset the login counters');
        return done.result ?? null;
      }
      this.settled = false;
      await this.release();
      throw error;
    }
  }

  private take(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }
}
