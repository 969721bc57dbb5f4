import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PgLoginThrottleStore.reserve as one function call: one round trip instead of five (BEGIN,
 * INSERT, SELECT … FOR UPDATE, UPDATE, COMMIT), the same check-and-count as the Redis store's
 * Lua script. Policy (waitAfterFailures in src/limits/backoff.ts) and clock (now()) as before:
 * - the rows are created if missing, then locked in key order (two logins never deadlock);
 * - while any counter's wait runs, nothing is counted and the longest wait is returned;
 * - otherwise every counter counts the attempt (a streak older than `memory_seconds` restarts
 *   at one), and a counter that reaches its threshold waits base·2^(failures − threshold),
 *   at most cap.
 * Written by hand: TypeORM does not model functions.
 */
export class LoginThrottleReserve1795253132806 implements MigrationInterface {
  name = 'LoginThrottleReserve1795253132806';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE OR REPLACE FUNCTION "login_throttle_reserve"(
  keys varchar[], thresholds integer[], base_seconds double precision, cap_seconds double precision,
  memory_seconds double precision, OUT retry_after bigint, OUT locked boolean
) LANGUAGE plpgsql
-- Plans made once per connection: re-planning these statements on every call (custom plans
-- for the array arguments) cost more CPU than running them. Every row is found by primary key,
-- so the index is always the right path; without enable_seqscan = off a plan made while the
-- table is small (a sequential scan) would be kept as the table grows.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
  -- The commit need not wait for its WAL flush (one fsync less per attempt, also per guess of
  -- an attack): the walwriter flushes within 3 × wal_writer_delay (0.6 s by default), and all a
  -- crash of the database server can lose is the attempts counted in that last moment, a few
  -- extra guesses for whoever can crash the server; nothing else, since the row is only a
  -- counter. Transaction-local, so call this function as a statement of its own (autocommit).
  PERFORM set_config('synchronous_commit', 'off', true);
  INSERT INTO "login_throttle" ("key") SELECT k FROM unnest(keys) AS k ORDER BY k ON CONFLICT ("key") DO NOTHING;
  SELECT COALESCE(max(ceil(extract(epoch FROM l."blocked_until" - now()))), 0)::bigint INTO retry_after
    FROM (SELECT "blocked_until" FROM "login_throttle" WHERE "key" = ANY(keys) ORDER BY "key" FOR UPDATE) AS l;
  locked := false;
  IF retry_after > 0 THEN
    RETURN;
  END IF;
  retry_after := 0;
  WITH counted AS (
    SELECT t."key", v.threshold,
           CASE WHEN t."last_failure_at" < now() - make_interval(secs => memory_seconds) THEN 0 ELSE t."failures" END
             + 1 AS failures
      FROM "login_throttle" t JOIN unnest(keys, thresholds) AS v("key", threshold) ON v."key" = t."key"
  ), waits AS (
    SELECT "key", failures,
           CASE WHEN failures < threshold THEN 0
                ELSE least(base_seconds * 2 ^ least(failures - threshold, 30), cap_seconds) END AS wait
      FROM counted
  ), updated AS (
    UPDATE "login_throttle" t
       SET "failures" = w.failures,
           "blocked_until" = CASE WHEN w.wait > 0 THEN now() + make_interval(secs => w.wait) END,
           "last_failure_at" = now()
      FROM waits w
     WHERE t."key" = w."key"
    RETURNING w.wait > 0 AS waits
  )
  SELECT COALESCE(bool_or(waits), false) INTO locked FROM updated;
END
$$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS "login_throttle_reserve"(varchar[], integer[], double precision, double precision, double precision)`,
    );
  }
}
