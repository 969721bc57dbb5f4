import { batchedDelete, olderThanAge, ONE_DAY, type RetentionRule } from '../common/retention-rule.js';

/**
 * Settled mails (sent, or given up; their bodies are already erased) are kept a week for
 * inspection. A failed mail's last attempt is its next_attempt_at (the end of its last claim).
 */
export function outboxRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'mail_outbox',
      age: 7 * ONE_DAY,
      sql: batchedDelete(
        'mail_outbox',
        'id',
        `status IN ('sent', 'failed') AND ${olderThanAge('COALESCE(sent_at, next_attempt_at)')}`,
      ),
    },
  ];
}
