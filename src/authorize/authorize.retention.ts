import { batchedDelete, olderThanAge, ONE_DAY, type RetentionRule } from '../common/retention-rule.js';

/**
 * Authorization codes and consent requests a day after they expired (a used code is kept until
 * then, so that a second presentation is still recognised as reuse).
 */
export function authorizeRetentionRules(): RetentionRule[] {
  return [
    { table: 'oauth_codes', age: ONE_DAY, sql: batchedDelete('oauth_codes', 'id', olderThanAge('expires_at')) },
    {
      table: 'oauth_pending_authorizations',
      age: ONE_DAY,
      sql: batchedDelete('oauth_pending_authorizations', 'id', olderThanAge('expires_at')),
    },
  ];
}
