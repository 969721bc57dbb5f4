import { batchedDelete, olderThanAge, type RetentionRule } from '../common/retention-rule.js';

const ENDED = (s: string) => `(${olderThanAge(`${s}.revoked_at`)} OR ${olderThanAge(`${s}.expires_at`)})`;

/**
 * Sessions that ended (revoked or expired) `retention` seconds ago, refresh tokens first. A live
 * session keeps every rotated token: presenting any of them again is how a stolen refresh token
 * is detected (the family is revoked), and the thief may have rotated many times since the
 * owner's copy. The tokens go with their session, which ends at the latest REFRESH_TOKEN_TTL
 * after login, so a session's token count is bounded by its refreshes in that time.
 */
export function sessionRetentionRules(retention: number): RetentionRule[] {
  return [
    {
      table: 'refresh_tokens',
      age: retention,
      sql: `WITH doomed AS (
        SELECT t.id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
         WHERE ${ENDED('s')} ORDER BY t.id LIMIT $2 FOR UPDATE OF t SKIP LOCKED
      ), gone AS (DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM doomed) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`,
    },
    {
      table: 'sessions',
      age: retention,
      // Only sessions whose tokens are already gone: the delete never cascades into rows a
      // refresh may hold locked.
      sql: batchedDelete(
        'sessions',
        'id',
        `${ENDED('sessions')} AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = sessions.id)`,
      ),
    },
  ];
}
