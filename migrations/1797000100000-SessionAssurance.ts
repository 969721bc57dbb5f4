import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Session assurance: every session records its `acr` (NIST 800-63B level), `amr` (RFC 8176
 * methods) and `auth_time` (its last authentication). Sessions that exist already were password
 * logins: aal1, {pwd}, and their creation time.
 *
 * `login_complete` takes the level and methods of the login (a password alone, or a password
 * with a second factor) and answers the session's `auth_time` too; otherwise it is the function
 * of migration LoginAttemptsInFlight. Written by hand: TypeORM does not model functions.
 *
 * `mfa_challenges` holds the pending second step of a login (the hash of its mfa_token).
 */
const SETTLE_ROWS = `UPDATE "login_throttle" t
     SET "in_flight" = greatest(t."in_flight" - 1, 0),
         "failures" = CASE WHEN reset THEN 0 ELSE t."failures" END,
         "blocked_until" = CASE WHEN reset THEN NULL ELSE t."blocked_until" END
    FROM (SELECT l."key" FROM "login_throttle" l WHERE l."key" = ANY(p_throttle_keys) ORDER BY l."key" FOR UPDATE) AS k
   WHERE t."key" = k."key";`;

const OLD_SIGNATURE = `uuid, varchar, timestamptz, varchar, varchar, varchar, varchar, varchar, varchar, varchar, jsonb, varchar[]`;
const NEW_SIGNATURE = `uuid, varchar, timestamptz, varchar, varchar, varchar, varchar, text[], varchar, varchar, varchar, varchar, jsonb, varchar[]`;

/** The function with (assurance) or without (the previous version) the acr/amr parameters. */
function loginComplete(assurance: boolean): string {
  const params = assurance
    ? `p_scope varchar, p_acr varchar, p_amr text[], p_token_hash varchar,`
    : `p_scope varchar, p_token_hash varchar,`;
  const returns = assurance
    ? `("id" uuid, "created_at" timestamptz, "last_used_at" timestamptz, "auth_time" timestamptz)`
    : `("id" uuid, "created_at" timestamptz, "last_used_at" timestamptz)`;
  const insert = assurance
    ? `INSERT INTO "sessions" ("user_id", "expires_at", "user_agent", "ip", "scope", "acr", "amr")
      VALUES (p_user_id, p_expires_at, p_user_agent, p_ip, p_scope, p_acr, p_amr)
      RETURNING "sessions"."id", "sessions"."created_at", "sessions"."last_used_at", "sessions"."auth_time"
        INTO s_id, s_created, s_used, s_auth;`
    : `INSERT INTO "sessions" ("user_id", "expires_at", "user_agent", "ip", "scope")
      VALUES (p_user_id, p_expires_at, p_user_agent, p_ip, p_scope)
      RETURNING "sessions"."id", "sessions"."created_at", "sessions"."last_used_at" INTO s_id, s_created, s_used;`;
  return `CREATE FUNCTION "login_complete"(
  p_user_id uuid, p_password_hash varchar, p_expires_at timestamptz, p_user_agent varchar, p_ip varchar,
  ${params}
  p_event_type varchar, p_event_ip varchar, p_event_user_agent varchar, p_event_details jsonb,
  p_throttle_keys varchar[]
) RETURNS TABLE ${returns} LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  s_id uuid;
  s_created timestamptz;
  s_used timestamptz;
  s_auth timestamptz;
  reset boolean;
BEGIN
  PERFORM 1 FROM "users" u
    WHERE u."id" = p_user_id AND u."disabled_at" IS NULL
      AND (p_password_hash IS NULL OR u."password_hash" = p_password_hash)
    FOR SHARE;
  reset := FOUND;
  IF reset THEN
    ${insert}
    INSERT INTO "refresh_tokens" ("session_id", "token_hash") VALUES (s_id, p_token_hash);
    INSERT INTO "auth_events" ("type", "user_id", "session_id", "ip", "user_agent", "details")
      VALUES (p_event_type, p_user_id, s_id, p_event_ip, p_event_user_agent, p_event_details);
  END IF;
  ${SETTLE_ROWS}
  IF reset THEN
    RETURN QUERY SELECT s_id, s_created, s_used${assurance ? ', s_auth' : ''};
  END IF;
END
$$`;
}

export class SessionAssurance1797000100000 implements MigrationInterface {
  name = 'SessionAssurance1797000100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" ADD "acr" character varying(8) NOT NULL DEFAULT 'aal1'`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD "amr" text array NOT NULL DEFAULT '{pwd}'`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`);
    await queryRunner.query(`UPDATE "sessions" SET "auth_time" = "created_at"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "login_complete"(${OLD_SIGNATURE})`);
    await queryRunner.query(loginComplete(true));
    await queryRunner.query(
      `CREATE TABLE "mfa_challenges" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "login" character varying(320) NOT NULL, "password_digest" character varying(64) NOT NULL, "scope" character varying(255), "flow" character varying(8) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_25d85a6da62620267e003fb4da4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_mfa_challenges_token_hash" ON "mfa_challenges" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "IDX_mfa_challenges_user_id" ON "mfa_challenges" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_mfa_challenges_expires_at" ON "mfa_challenges" ("expires_at")`);
    await queryRunner.query(
      `ALTER TABLE "mfa_challenges" ADD CONSTRAINT "FK_1715663f6483821e6af6132b35b" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mfa_challenges"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "login_complete"(${NEW_SIGNATURE})`);
    await queryRunner.query(loginComplete(false));
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "auth_time"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "amr"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "acr"`);
  }
}
