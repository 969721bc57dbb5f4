import { batchedDelete, ONE_DAY, type RetentionRule } from '../common/retention-rule.js';

/** Second-step challenges (mfa_token hashes), a day after they were used or expired. */
export function mfaChallengeRetentionRules(): RetentionRule[] {
  return [
    {
      table: 'mfa_challenges',
      age: ONE_DAY,
      sql: batchedDelete('mfa_challenges', 'id', `COALESCE(used_at, expires_at) < now() - make_interval(secs => $1)`),
    },
  ];
}
