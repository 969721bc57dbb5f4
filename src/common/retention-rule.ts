/**
 * One table's retention rule, owned by the module that owns the table: `sql` deletes at most
 * `$2` rows that ended more than `$1` seconds ago and answers their number as `n`. The rows are
 * picked in key order with FOR UPDATE SKIP LOCKED, so a batch never waits for a row a request
 * holds (no deadlock with a login or a refresh) and two purgers never delete the same row.
 */
export interface RetentionRule {
  table: string;
  /** Seconds after the end of a row's life before it is deleted. */
  age: number;
  sql: string;
}

export const ONE_DAY = 86_400;

/** The statement of a rule whose rows are chosen by `where` on the table alone. */
export function batchedDelete(table: string, key: string, where: string): string {
  return `WITH doomed AS (
    SELECT ${key} FROM ${table} WHERE ${where} ORDER BY ${key} LIMIT $2 FOR UPDATE SKIP LOCKED
  ), gone AS (DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM doomed) RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;
}

/** `column` is more than `$1` seconds in the past. */
export function olderThanAge(column: string): string {
  return `${column} < now() - make_interval(secs => $1)`;
}
