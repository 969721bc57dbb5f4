import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign in with another provider: the accounts' identities there (`federated_identities`, one
 * account per (provider, subject), one identity per provider and account), the flows under way
 * (`federation_states`, single use, read by whichever instance the callback lands on), accounts
 * without a password (`users.password_hash` nullable), and what the first step of a pending
 * second factor proved (`mfa_challenges.first_factor`: `pwd` or `fed`).
 */
export class FederatedIdentities1797000700000 implements MigrationInterface {
  name = 'FederatedIdentities1797000700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "federated_identities" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider" character varying(32) NOT NULL, "subject" character varying(255) NOT NULL, "email" character varying(320), "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_login_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_3e5b63cd07d7a2251e0131834a3" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_federated_identities_user_provider" ON "federated_identities"  ("user_id", "provider") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_federated_identities_provider_subject" ON "federated_identities"  ("provider", "subject") `,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_states" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "state_hash" character varying(64) NOT NULL, "binding_hash" character varying(64) NOT NULL, "provider" character varying(32) NOT NULL, "code_verifier" character varying(128) NOT NULL, "nonce" character varying(128) NOT NULL, "return_to" character varying(2048), "link_user_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_104c9279ba42dedd61574fe55fd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_federation_states_state_hash" ON "federation_states"  ("state_hash") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_federation_states_expires_at" ON "federation_states"  ("expires_at") `);
    await queryRunner.query(
      `ALTER TABLE "mfa_challenges" ADD "first_factor" character varying(8) NOT NULL DEFAULT 'pwd'`,
    );
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "federated_identities" ADD CONSTRAINT "FK_e69265633ea3123bf964db2551c" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "federation_states" ADD CONSTRAINT "FK_9659a9faedeec20a8c4731fcfbd" FOREIGN KEY ("link_user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  /** Going back deletes the accounts that have no password (they could not sign in any more). */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_states" DROP CONSTRAINT "FK_9659a9faedeec20a8c4731fcfbd"`);
    await queryRunner.query(`ALTER TABLE "federated_identities" DROP CONSTRAINT "FK_e69265633ea3123bf964db2551c"`);
    await queryRunner.query(`DELETE FROM "users" WHERE "password_hash" IS NULL`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "mfa_challenges" DROP COLUMN "first_factor"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_federation_states_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_federation_states_state_hash"`);
    await queryRunner.query(`DROP TABLE "federation_states"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_federated_identities_provider_subject"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_federated_identities_user_provider"`);
    await queryRunner.query(`DROP TABLE "federated_identities"`);
  }
}
