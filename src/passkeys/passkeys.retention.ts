import { batchedDelete, olderThanAge, ONE_DAY, type RetentionRule } from '../common/retention-rule.js';

/** Passkey challenges (Postgres store) a day after they were used or expired. */
export function passkeysRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'passkey_challenges',
      age: ONE_DAY,
      sql: batchedDelete('passkey_challenges', 'id', `(${olderThanAge('used_at')} OR ${olderThanAge('expires_at')})`),
    },
  ];
}
