import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A login in flight is not a failure. `login_throttle_reserve` no longer counts the attempt up
 * front: it takes a verification slot (`in_flight`), and only as many attempts as the back-off
 * has left (threshold − failures, at least one) hold a slot at once; a caller that finds none
 * waits and asks again. The outcome then settles the slot:
 * - `login_throttle_fail` counts the failure (the policy of src/limits/backoff.ts) and frees it;
 * - `login_throttle_reset` (a proven password) starts the streak over and frees it;
 * - `login_throttle_release` frees it without counting (a login that lost a race).
 * A slot not settled within `lease_seconds` (a crashed instance) is forgotten.
 *
 * `login_complete` replaces `login_session_create`: the session is created only if the account
 * still has the verified password hash (when the proof was a password) and is not disabled, checked in the same statement under
 * a share lock on the user row, so that a password change, reset or disabling that commits
 * around the login either ends the session it creates or prevents it. Every lock is taken in
 * key order (users row first, then the counters), as in the other functions.
 * Written by hand: TypeORM does not model functions.
 */
/**
 * Frees one slot of each counter; with `reset` (a proven password) the streak also starts over.
 * Locked in key order, as every other function locks them.
 */
const SETTLE_ROWS = `UPDATE "login_throttle" t
     SET "in_flight" = greatest(t."in_flight" - 1, 0),
         "failures" = CASE WHEN reset THEN 0 ELSE t."failures" END,
         "blocked_until" = CASE WHEN reset THEN NULL ELSE t."blocked_until" END
    FROM (SELECT l."key" FROM "login_throttle" l WHERE l."key" = ANY(keys) ORDER BY l."key" FOR UPDATE) AS k
   WHERE t."key" = k."key";`;

export class LoginAttemptsInFlight1795262000000 implements MigrationInterface {
  name = 'LoginAttemptsInFlight1795262000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_throttle" ADD "in_flight" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "login_throttle" ADD "in_flight_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS "login_throttle_reserve"(varchar[], integer[], double precision, double precision, double precision)`,
    );
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS "login_session_create"(uuid, timestamptz, varchar, varchar, varchar, varchar, varchar, uuid, varchar, varchar, jsonb, varchar[])`,
    );
    await queryRunner.query(`CREATE FUNCTION "login_throttle_reserve"(
  keys varchar[], thresholds integer[], memory_seconds double precision, lease_seconds double precision,
  OUT retry_after bigint, OUT busy boolean
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
  -- Only a counter: see login_throttle_reserve in migration LoginThrottleReserve for why the
  -- commit need not wait for its WAL flush.
  PERFORM set_config('synchronous_commit', 'off', true);
  INSERT INTO "login_throttle" ("key") SELECT k FROM unnest(keys) AS k ORDER BY k ON CONFLICT ("key") DO NOTHING;
  SELECT COALESCE(max(ceil(extract(epoch FROM l."blocked_until" - now()))), 0)::bigint INTO retry_after
    FROM (SELECT "blocked_until" FROM "login_throttle" WHERE "key" = ANY(keys) ORDER BY "key" FOR UPDATE) AS l;
  busy := false;
  IF retry_after > 0 THEN
    RETURN;
  END IF;
  retry_after := 0;
  SELECT COALESCE(bool_or(
           CASE WHEN t."in_flight_at" < now() - make_interval(secs => lease_seconds) THEN 0 ELSE t."in_flight" END
           >= greatest(v.threshold
             - CASE WHEN t."last_failure_at" < now() - make_interval(secs => memory_seconds) THEN 0 ELSE t."failures" END,
             1)), false)
    INTO busy
    FROM "login_throttle" t JOIN unnest(keys, thresholds) AS v("key", threshold) ON v."key" = t."key";
  IF busy THEN
    RETURN;
  END IF;
  UPDATE "login_throttle" t
     SET "in_flight" = CASE WHEN t."in_flight_at" < now() - make_interval(secs => lease_seconds) THEN 0
                            ELSE t."in_flight" END + 1,
         "in_flight_at" = now()
   WHERE t."key" = ANY(keys);
END
$$`);
    await queryRunner.query(`CREATE FUNCTION "login_throttle_fail"(
  keys varchar[], thresholds integer[], base_seconds double precision, cap_seconds double precision,
  memory_seconds double precision, OUT locked boolean
) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  INSERT INTO "login_throttle" ("key") SELECT k FROM unnest(keys) AS k ORDER BY k ON CONFLICT ("key") DO NOTHING;
  PERFORM 1 FROM "login_throttle" WHERE "key" = ANY(keys) ORDER BY "key" FOR UPDATE;
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
           "last_failure_at" = now(),
           "in_flight" = greatest(t."in_flight" - 1, 0)
      FROM waits w
     WHERE t."key" = w."key"
    RETURNING w.wait > 0 AS waits
  )
  SELECT COALESCE(bool_or(waits), false) INTO locked FROM updated;
END
$$`);
    await queryRunner.query(`CREATE FUNCTION "login_throttle_settle"(keys varchar[], reset boolean) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  ${SETTLE_ROWS}
END
$$`);
    await queryRunner.query(`CREATE FUNCTION "login_complete"(
  p_user_id uuid, p_password_hash varchar, p_expires_at timestamptz, p_user_agent varchar, p_ip varchar,
  p_scope varchar, p_token_hash varchar,
  p_event_type varchar, p_event_ip varchar, p_event_user_agent varchar, p_event_details jsonb,
  p_throttle_keys varchar[]
) RETURNS TABLE ("id" uuid, "created_at" timestamptz, "last_used_at" timestamptz) LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  s_id uuid;
  s_created timestamptz;
  s_used timestamptz;
  reset boolean;
BEGIN
  PERFORM 1 FROM "users" u
    WHERE u."id" = p_user_id AND u."disabled_at" IS NULL
      AND (p_password_hash IS NULL OR u."password_hash" = p_password_hash)
    FOR SHARE;
  reset := FOUND;
  IF reset THEN
    INSERT INTO "sessions" ("user_id", "expires_at", "user_agent", "ip", "scope")
      VALUES (p_user_id, p_expires_at, p_user_agent, p_ip, p_scope)
      RETURNING "sessions"."id", "sessions"."created_at", "sessions"."last_used_at" INTO s_id, s_created, s_used;
    INSERT INTO "refresh_tokens" ("session_id", "token_hash") VALUES (s_id, p_token_hash);
    INSERT INTO "auth_events" ("type", "user_id", "session_id", "ip", "user_agent", "details")
      VALUES (p_event_type, p_user_id, s_id, p_event_ip, p_event_user_agent, p_event_details);
  END IF;
  ${SETTLE_ROWS.replaceAll('keys', 'p_throttle_keys')}
  IF reset THEN
    RETURN QUERY SELECT s_id, s_created, s_used;
  END IF;
END
$$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS "login_complete"(uuid, varchar, timestamptz, varchar, varchar, varchar, varchar, varchar, varchar, varchar, jsonb, varchar[])`,
    );
    await queryRunner.query(`DROP FUNCTION IF EXISTS "login_throttle_settle"(varchar[], boolean)`);
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS "login_throttle_fail"(varchar[], integer[], double precision, double precision, double precision)`,
    );
    await queryRunner.query(
      `DROP FUNCTION IF EXISTS "login_throttle_reserve"(varchar[], integer[], double precision, double precision)`,
    );
    await queryRunner.query(`ALTER TABLE "login_throttle" DROP COLUMN "in_flight_at"`);
    await queryRunner.query(`ALTER TABLE "login_throttle" DROP COLUMN "in_flight"`);
    // The previous functions come back by re-running the up() of LoginThrottleReserve and LoginSessionCreate.
    const { LoginThrottleReserve1795253132806 } = await import('./1795253132806-LoginThrottleReserve.js');
    const { LoginSessionCreate1795256506591 } = await import('./1795256506591-LoginSessionCreate.js');
    await new LoginThrottleReserve1795253132806().up(queryRunner);
    await new LoginSessionCreate1795256506591().up(queryRunner);
  }
}
