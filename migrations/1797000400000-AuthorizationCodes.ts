import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The authorization endpoint's tables: `oauth_codes` (authorization codes, only their hash, 60 s,
 * single use, bound to client, redirect URI, PKCE challenge and nonce), `oauth_consents` (the
 * scopes a user allowed a client) and `oauth_pending_authorizations` (requests waiting on
 * /consent). All rows go with their user and with their client.
 */
export class AuthorizationCodes1797000400000 implements MigrationInterface {
  name = 'AuthorizationCodes1797000400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "oauth_codes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code_hash" character varying(64) NOT NULL, "client_id" uuid NOT NULL, "user_id" uuid NOT NULL, "redirect_uri" character varying(2048) NOT NULL, "code_challenge" character varying(43) NOT NULL, "nonce" character varying(512), "scope" character varying(255) NOT NULL, "acr" character varying(8) NOT NULL, "amr" text array NOT NULL, "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "reused_at" TIMESTAMP WITH TIME ZONE, "issued_session_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0a64d83f300206d886d9434ffb7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_oauth_codes_code_hash" ON "oauth_codes"  ("code_hash")`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_codes_client_id" ON "oauth_codes"  ("client_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_codes_user_id" ON "oauth_codes"  ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_oauth_codes_expires_at" ON "oauth_codes"  ("expires_at")`);
    await queryRunner.query(
      `CREATE TABLE "oauth_consents" ("user_id" uuid NOT NULL, "client_id" uuid NOT NULL, "scopes" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_373b10ca90d02ceb9f2cb117aa4" PRIMARY KEY ("user_id", "client_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "oauth_pending_authorizations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "client_id" uuid NOT NULL, "params" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_744109f5e358f399e9bd3c1374f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_oauth_pending_authorizations_user_id" ON "oauth_pending_authorizations"  ("user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_oauth_pending_authorizations_client_id" ON "oauth_pending_authorizations"  ("client_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_oauth_pending_authorizations_expires_at" ON "oauth_pending_authorizations"  ("expires_at")`,
    );
    await queryRunner.query(
      `ALTER TABLE "oauth_codes" ADD CONSTRAINT "FK_2077e3dc1a24a08e0e992752b13" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "oauth_codes" ADD CONSTRAINT "FK_d0ce2fa7498d76130e2df00d521" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "oauth_consents" ADD CONSTRAINT "FK_6ff84892918cd6fce5b535063fe" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "oauth_consents" ADD CONSTRAINT "FK_6b1ce29d22e910f696a5713b2a6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "oauth_pending_authorizations" ADD CONSTRAINT "FK_3e79562bb4d64a7a2ce4e9c6108" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "oauth_pending_authorizations" ADD CONSTRAINT "FK_aa3e212f9aa2f5cff9d71c0f20b" FOREIGN KEY ("client_id") REFERENCES "oauth_clients"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "oauth_pending_authorizations" DROP CONSTRAINT "FK_aa3e212f9aa2f5cff9d71c0f20b"`,
    );
    await queryRunner.query(
      `ALTER TABLE "oauth_pending_authorizations" DROP CONSTRAINT "FK_3e79562bb4d64a7a2ce4e9c6108"`,
    );
    await queryRunner.query(`ALTER TABLE "oauth_consents" DROP CONSTRAINT "FK_6b1ce29d22e910f696a5713b2a6"`);
    await queryRunner.query(`ALTER TABLE "oauth_consents" DROP CONSTRAINT "FK_6ff84892918cd6fce5b535063fe"`);
    await queryRunner.query(`ALTER TABLE "oauth_codes" DROP CONSTRAINT "FK_d0ce2fa7498d76130e2df00d521"`);
    await queryRunner.query(`ALTER TABLE "oauth_codes" DROP CONSTRAINT "FK_2077e3dc1a24a08e0e992752b13"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_oauth_pending_authorizations_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_oauth_pending_authorizations_client_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_oauth_pending_authorizations_user_id"`);
    await queryRunner.query(`DROP TABLE "oauth_pending_authorizations"`);
    await queryRunner.query(`DROP TABLE "oauth_consents"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_oauth_codes_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_oauth_codes_user_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_oauth_codes_client_id"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_oauth_codes_code_hash"`);
    await queryRunner.query(`DROP TABLE "oauth_codes"`);
  }
}
