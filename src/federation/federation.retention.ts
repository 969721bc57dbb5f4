import { batchedDelete, olderThanAge, ONE_DAY, type RetentionRule } from '../common/retention-rule.js';

/** Provider flows that were never finished, a day after they expired (a finished one is deleted by its callback). */
export function federationRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'federation_states',
      age: ONE_DAY,
      sql: batchedDelete('federation_states', 'id', olderThanAge('expires_at')),
    },
  ];
}
