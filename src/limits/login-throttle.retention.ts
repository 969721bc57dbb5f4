import { batchedDelete, olderThanAge, type RetentionRule } from '../common/retention-rule.js';
import { FAILURE_MEMORY_SECONDS } from './backoff.js';

/** Back-off counters (no Redis) whose failures are forgotten and whose wait is over. */
export function loginThrottleRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'login_throttle',
      age: FAILURE_MEMORY_SECONDS,
      sql: batchedDelete(
        'login_throttle',
        'key',
        `${olderThanAge('last_failure_at')} AND (blocked_until IS NULL OR blocked_until < now())`,
      ),
    },
  ];
}
