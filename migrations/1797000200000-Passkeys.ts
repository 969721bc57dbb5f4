import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys: the WebAuthn credentials of users (`passkeys`), each user's random WebAuthn user
 * handle (`passkey_user_handles`), and the pending ceremonies' challenges (`passkey_challenges`,
 * used when REDIS_URL is not set). All rows go with their user.
 */
export class Passkeys1797000200000 implements MigrationInterface {
  name = 'Passkeys1797000200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "passkey_challenges" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "challenge" character varying(128) NOT NULL, "flow" character varying(16) NOT NULL, "user_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6e53152b7ac3d0c599f2cffdd7e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_passkey_challenges_user_id" ON "passkey_challenges"  ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_passkey_challenges_expires_at" ON "passkey_challenges"  ("expires_at")`);
    await queryRunner.query(
      `CREATE TABLE "passkey_user_handles" ("user_id" uuid NOT NULL, "handle" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5922783886b989541ada5a4a97f" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_passkey_user_handles_handle" ON "passkey_user_handles"  ("handle")`,
    );
    await queryRunner.query(
      `CREATE TABLE "passkeys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "credential_id" character varying(1400) NOT NULL, "public_key" bytea NOT NULL, "sign_count" bigint NOT NULL DEFAULT '0', "transports" character varying(16) array NOT NULL DEFAULT '{}', "device_type" character varying(16) NOT NULL, "backed_up" boolean NOT NULL DEFAULT false, "name" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_db928e6fd79e7098911268a74c3" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_passkeys_user_id" ON "passkeys"  ("user_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_passkeys_credential_id" ON "passkeys"  ("credential_id")`);
    await queryRunner.query(
      `ALTER TABLE "passkey_challenges" ADD CONSTRAINT "FK_b8d4b209cde3a70790900a60354" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "passkey_user_handles" ADD CONSTRAINT "FK_5922783886b989541ada5a4a97f" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "passkeys" ADD CONSTRAINT "FK_02227b9a8a34a808e3e23800b00" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "passkeys" DROP CONSTRAINT "FK_02227b9a8a34a808e3e23800b00"`);
    await queryRunner.query(`ALTER TABLE "passkey_user_handles" DROP CONSTRAINT "FK_5922783886b989541ada5a4a97f"`);
    await queryRunner.query(`ALTER TABLE "passkey_challenges" DROP CONSTRAINT "FK_b8d4b209cde3a70790900a60354"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_passkeys_credential_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkeys_user_id"`);
    await queryRunner.query(`DROP TABLE "passkeys"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_passkey_user_handles_handle"`);
    await queryRunner.query(`DROP TABLE "passkey_user_handles"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkey_challenges_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkey_challenges_user_id"`);
    await queryRunner.query(`DROP TABLE "passkey_challenges"`);
  }
}
