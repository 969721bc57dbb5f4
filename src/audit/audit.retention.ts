import { batchedDelete, olderThanAge, type RetentionRule } from '../common/retention-rule.js';

/** Audit events older than AUDIT_RETENTION. */
export function auditRetentionRules(retention: number): RetentionRule[] {
  return [
    { table: 'auth_events', age: retention, sql: batchedDelete('auth_events', 'id', olderThanAge('created_at')) },
  ];
}
