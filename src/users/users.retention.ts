import { batchedDelete, olderThanAge, ONE_DAY, type RetentionRule } from '../common/retention-rule.js';

/** Email codes and password-reset tokens a day after they were used, superseded or expired. */
export function usersRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'email_codes',
      age: ONE_DAY,
      sql: batchedDelete('email_codes', 'id', `(${olderThanAge('consumed_at')} OR ${olderThanAge('expires_at')})`),
    },
    {
      table: 'password_reset_tokens',
      age: ONE_DAY,
      sql: batchedDelete(
        'password_reset_tokens',
        'id',
        `(${olderThanAge('used_at')} OR ${olderThanAge('expires_at')})`,
      ),
    },
  ];
}
