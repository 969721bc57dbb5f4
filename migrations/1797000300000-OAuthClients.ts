import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OAuth clients (`oauth_clients`) and the client a session was opened for (`sessions.client_id`,
 * null for the password grant and the browser login; the sessions go with their client).
 *
 * `login_complete` gains two optional trailing parameters: the session's client and its
 * `auth_time` (a session opened from an authorization code keeps the browser session's one;
 * null: now). Calls with the previous fourteen arguments keep working. Otherwise it is the
 * function of migration SessionAssurance. Written by hand: TypeORM does not model functions.
 */
const SETTLE_ROWS = `UPDATE "login_throttle" t
     SET "in_flight" = greatest(t."in_flight" - 1, 0),
         "failures" = CASE WHEN reset THEN 0 ELSE t."failures" END,
         "blocked_until" = CASE WHEN reset THEN NULL ELSE t."blocked_until" END
    FROM (SELECT l."key" FROM "login_throttle" l WHERE l."key" = ANY(p_throttle_keys) ORDER BY l."key" FOR UPDATE) AS k
   WHERE t."key" = k."key";`;

const OLD_SIGNATURE = `uuid, varchar, timestamptz, varchar, varchar, varchar, varchar, text[], varchar, varchar, varchar, varchar, jsonb, varchar[]`;
const NEW_SIGNATURE = `${OLD_SIGNATURE}, uuid, timestamptz`;

/** The function with (clients) or without (SessionAssurance's version) client and auth_time. */
function loginComplete(clients: boolean): string {
  const trailing = clients ? `,\n  p_client_id uuid DEFAULT NULL, p_auth_time timestamptz DEFAULT NULL` : '';
  const insert = clients
    ? `INSERT INTO "sessions" ("user_id", "expires_at", "user_agent", "ip", "scope", "acr", "amr", "client_id", "auth_time")
      VALUES (p_user_id, p_expires_at, p_user_agent, p_ip, p_scope, p_acr, p_amr, p_client_id, coalesce(p_auth_time, now()))`
    : `INSERT INTO "sessions" ("user_id", "expires_at", "user_agent", "ip", "scope", "acr", "amr")
      VALUES (p_user_id, p_expires_at, p_user_agent, p_ip, p_scope, p_acr, p_amr)`;
  return `CREATE FUNCTION "login_complete"(
  p_user_id uuid, p_password_hash varchar, p_expires_at timestamptz, p_user_agent varchar, p_ip varchar,
  p_scope varchar, p_acr varchar, p_amr text[], p_token_hash varchar,
  p_event_type varchar, p_event_ip varchar, p_event_user_agent varchar, p_event_details jsonb,
  p_throttle_keys varchar[]${trailing}
) RETURNS TABLE ("id" uuid, "created_at" timestamptz, "last_used_at" timestamptz, "auth_time" timestamptz) LANGUAGE plpgsql
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
      RETURNING "sessions"."id", "sessions"."created_at", "sessions"."last_used_at", "sessions"."auth_time"
        INTO s_id, s_created, s_used, s_auth;
    INSERT INTO "refresh_tokens" ("session_id", "token_hash") VALUES (s_id, p_token_hash);
    INSERT INTO "auth_events" ("type", "user_id", "session_id", "ip", "user_agent", "details")
      VALUES (p_event_type, p_user_id, s_id, p_event_ip, p_event_user_agent, p_event_details);
  END IF;
  ${SETTLE_ROWS}
  IF reset THEN
    RETURN QUERY SELECT s_id, s_created, s_used, s_auth;
  END IF;
END
$$`;
}

export class OAuthClients1797000300000 implements MigrationInterface {
  name = 'OAuthClients1797000300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "oauth_clients" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(100) NOT NULL, "type" character varying(16) NOT NULL, "secret_hash" character varying(64), "secret_generation" integer NOT NULL DEFAULT '1', "redirect_uris" text array NOT NULL DEFAULT '{}', "post_logout_redirect_uris" text array NOT NULL DEFAULT '{}', "grant_types" character varying(32) array NOT NULL DEFAULT '{}', "scopes" character varying(64) array NOT NULL DEFAULT '{}', "first_party" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_oauth_clients" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`ALTER TABLE "sessions" ADD "client_id" uuid`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_client_id" ON "sessions" ("client_id")`);
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_sessions_client_id" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`DROP FUNCTION IF EXISTS "login_complete"(${OLD_SIGNATURE})`);
    await queryRunner.query(loginComplete(true));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS "login_complete"(${NEW_SIGNATURE})`);
    await queryRunner.query(loginComplete(false));
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "FK_sessions_client_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_sessions_client_id"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "client_id"`);
    await queryRunner.query(`DROP TABLE "oauth_clients"`);
  }
}
