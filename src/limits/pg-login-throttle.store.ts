import type { DataSource } from 'typeorm';
import { prepared } from '../config/prepared-statements.js';
import { type BackoffPolicy, FAILURE_MEMORY_SECONDS } from './backoff.js';
import {
  type LoginThrottleStore,
  type Reservation,
  SLOT_LEASE_SECONDS,
  type ThrottleCounter,
} from './login-throttle.store.js';

const RESERVE_SQL = prepared('SELECT retry_after, busy FROM login_throttle_reserve($1::varchar[], $2::int[], $3, $4)');
const FAIL_SQL = prepared('SELECT locked FROM login_throttle_fail($1::varchar[], $2::int[], $3, $4, $5)');
const SETTLE_SQL = prepared('SELECT login_throttle_settle($1::varchar[], $2)');

/**
 * Counters in the `login_throttle` table. Each step is one call of a database function
 * (migrations LoginThrottleReserve and LoginAttemptsInFlight): it creates missing rows, locks
 * them (FOR UPDATE, in key order so that two logins never deadlock) and applies the policy of
 * backoff.ts, so the limit holds for any number of instances and parallel requests in one round
 * trip. The clock is the database's.
 */
export class PgLoginThrottleStore implements LoginThrottleStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: BackoffPolicy,
  ) {}

  async reserve(counters: ThrottleCounter[]): Promise<Reservation> {
    const rows = await this.dataSource.query<Array<{ retry_after: string; busy: boolean }>>(RESERVE_SQL, [
      counters.map((c) => c.id),
      counters.map((c) => c.threshold),
      FAILURE_MEMORY_SECONDS,
      SLOT_LEASE_SECONDS,
    ]);
    const retryAfter = Number(rows[0].retry_after);
    if (retryAfter > 0) return { outcome: 'wait', retryAfter };
    return rows[0].busy ? { outcome: 'busy' } : { outcome: 'verify' };
  }

  async fail(counters: ThrottleCounter[]): Promise<boolean> {
    const rows = await this.dataSource.query<Array<{ locked: boolean }>>(FAIL_SQL, [
      counters.map((c) => c.id),
      counters.map((c) => c.threshold),
      this.policy.base,
      this.policy.cap,
      FAILURE_MEMORY_SECONDS,
    ]);
    return rows[0].locked;
  }

  async reset(counters: ThrottleCounter[]): Promise<void> {
    await this.dataSource.query(SETTLE_SQL, [counters.map((c) => c.id), true]);
  }

  async release(counters: ThrottleCounter[]): Promise<void> {
    await this.dataSource.query(SETTLE_SQL, [counters.map((c) => c.id), false]);
  }

  /** `write` settles the rows in its own statement (login_complete). */
  succeed<T>(counters: ThrottleCounter[], write: (keys: string[]) => Promise<T | null>): Promise<T | null> {
    return write(counters.map((c) => c.id));
  }

  async prune(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_throttle
        WHERE last_failure_at < now() - make_interval(secs => $1)
          AND (blocked_until IS NULL OR blocked_until < now())
          AND (in_flight = 0 OR in_flight_at < now() - make_interval(secs => $2))`,
      [FAILURE_MEMORY_SECONDS, SLOT_LEASE_SECONDS],
    );
  }
}
