import { batchedDelete, olderThanAge, type RetentionRule } from '../common/retention-rule.js';
import { FAILURE_MEMORY_SECONDS } from './backoff.js';
import { SLOT_LEASE_SECONDS } from './login-throttle.store.js';

/** Back-off counters (no Redis) whose failures are forgotten, whose wait is over and with no attempt in flight. */
export function loginThrottleRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'login_throttle',
      age: FAILURE_MEMORY_SECONDS,
      sql: batchedDelete(
        'login_throttle',
        'key',
        `${olderThanAge('last_failure_at')} AND (blocked_until IS NULL OR blocked_until < now())
           AND (in_flight = 0 OR in_flight_at < now() - interval '${SLOT_LEASE_SECONDS} seconds')`,
      ),
    },
  ];
}
