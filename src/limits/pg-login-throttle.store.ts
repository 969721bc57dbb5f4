import type { DataSource } from 'typeorm';
import { prepared } from '../config/prepared-statements.js';
import { type BackoffPolicy, FAILURE_MEMORY_SECONDS } from './backoff.js';
import type { LoginThrottleStore, Reservation, ThrottleCounter } from './login-throttle.store.js';

const RESERVE_SQL = prepared(
  'SELECT retry_after, locked FROM login_throttle_reserve($1::varchar[], $2::int[], $3, $4, $5)',
);

/**
 * Counters in the `login_throttle` table. The check-and-count is one call of the
 * `login_throttle_reserve` function (migration LoginThrottleReserve): it creates missing rows,
 * locks them (FOR UPDATE, in key order so that two logins never deadlock) and applies the policy
 * of backoff.ts, so the limit holds for any number of instances and parallel requests in one
 * round trip. The clock is the database's.
 */
export class PgLoginThrottleStore implements LoginThrottleStore {
  readonly inDatabase = true;

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: BackoffPolicy,
  ) {}

  async reserve(counters: ThrottleCounter[]): Promise<Reservation> {
    const rows = await this.dataSource.query<Array<{ retry_after: string; locked: boolean }>>(RESERVE_SQL, [
      counters.map((c) => c.id),
      counters.map((c) => c.threshold),
      this.policy.base,
      this.policy.cap,
      FAILURE_MEMORY_SECONDS,
    ]);
    const retryAfter = Number(rows[0].retry_after);
    if (retryAfter > 0) return { allowed: false, retryAfter };
    return { allowed: true, lockedNow: rows[0].locked };
  }

  /** A successful login does not call this: its statement deletes the rows (SessionsService.create). */
  async clear(counters: ThrottleCounter[]): Promise<void> {
    await this.dataSource.query('DELETE FROM login_throttle WHERE key = ANY($1::varchar[])', [
      counters.map((c) => c.id),
    ]);
  }
}
