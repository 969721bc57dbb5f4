import { batchedDelete, olderThanAge, ONE_DAY, type RetentionRule } from '../common/retention-rule.js';

/** Enrolments never confirmed and spent recovery codes, a day after they ended. */
export function mfaRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'mfa_factors',
      age: ONE_DAY,
      // An unconfirmed factor ends 10 minutes after its enrolment started (ENROLMENT_TTL_MS).
      sql: batchedDelete(
        'mfa_factors',
        'id',
        `confirmed_at IS NULL AND created_at + interval '10 minutes' < now() - make_interval(secs => $1)`,
      ),
    },
    {
      table: 'mfa_recovery_codes',
      age: ONE_DAY,
      sql: batchedDelete('mfa_recovery_codes', 'id', olderThanAge('used_at')),
    },
  ];
}
