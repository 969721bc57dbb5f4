import type { DataSource } from 'typeorm';
import { type BackoffPolicy, FAILURE_MEMORY_SECONDS, waitAfterFailures } from './backoff.js';
import type { LoginThrottleStore, Reservation, ThrottleCounter } from './login-throttle.store.js';

interface CounterRow {
  key: string;
  failures: number;
  wait: number;
  stale: boolean;
}

/**
 * Counters in the `login_throttle` table. The rows are created if missing, then locked
 * (FOR UPDATE, in key order so that two logins never deadlock) for the check-and-count, so the
 * limit holds for any number of instances and parallel requests. The clock is the database's.
 */
export class PgLoginThrottleStore implements LoginThrottleStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: BackoffPolicy,
  ) {}

  reserve(counters: ThrottleCounter[]): Promise<Reservation> {
    const sorted = [...counters].sort((a, b) => (a.id < b.id ? -1 : 1));
    const ids = sorted.map((c) => c.id);
    return this.dataSource.transaction(async (em): Promise<Reservation> => {
      await em.query('INSERT INTO login_throttle (key) SELECT unnest($1::varchar[]) ON CONFLICT (key) DO NOTHING', [
        ids,
      ]);
      const rows = await em.query<CounterRow[]>(
        `SELECT key, failures,
                COALESCE(ceil(extract(epoch FROM blocked_until - now())), 0)::int AS wait,
                last_failure_at < now() - make_interval(secs => $2) AS stale
           FROM login_throttle WHERE key = ANY($1::varchar[]) ORDER BY key FOR UPDATE`,
        [ids, FAILURE_MEMORY_SECONDS],
      );
      const wait = Math.max(0, ...rows.map((row) => row.wait));
      if (wait > 0) return { allowed: false, retryAfter: wait };
      const next = sorted.map((counter) => {
        const row = rows.find((r) => r.key === counter.id);
        const failures = (row && !row.stale ? row.failures : 0) + 1;
        return { failures, wait: waitAfterFailures(failures, counter.threshold, this.policy) };
      });
      await em.query(
        `UPDATE login_throttle t
            SET failures = v.failures,
                blocked_until = CASE WHEN v.wait > 0 THEN now() + make_interval(secs => v.wait) END,
                last_failure_at = now()
           FROM unnest($1::varchar[], $2::int[], $3::int[]) AS v(key, failures, wait)
          WHERE t.key = v.key`,
        [ids, next.map((n) => n.failures), next.map((n) => n.wait)],
      );
      return { allowed: true, lockedNow: next.some((n) => n.wait > 0) };
    });
  }

  async clear(counters: ThrottleCounter[]): Promise<void> {
    await this.dataSource.query('DELETE FROM login_throttle WHERE key = ANY($1::varchar[])', [
      counters.map((c) => c.id),
    ]);
  }

  async prune(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_throttle
        WHERE last_failure_at < now() - make_interval(secs => $1)
          AND (blocked_until IS NULL OR blocked_until < now())`,
      [FAILURE_MEMORY_SECONDS],
    );
  }
}
