import { MigrationInterface, QueryRunner } from 'typeorm';

export class AbuseLimitsAndAudit1795244646441 implements MigrationInterface {
  name = 'AbuseLimitsAndAudit1795244646441';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "auth_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "type" character varying(40) NOT NULL, "user_id" uuid, "session_id" uuid, "ip" character varying(64), "user_agent" character varying(512), "details" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ab929cc6084ffb3fd795bd983c0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_auth_events_created_at" ON "auth_events"  ("created_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_auth_events_user_created" ON "auth_events"  ("user_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "login_throttle" ("key" character varying(64) NOT NULL, "failures" integer NOT NULL DEFAULT '0', "blocked_until" TIMESTAMP WITH TIME ZONE, "last_failure_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_14c03bac82292a8310c54cb98d0" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_login_throttle_last_failure_at" ON "login_throttle"  ("last_failure_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "auth_events" ADD CONSTRAINT "FK_d27703f0a3d79ba424741807cb4" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "auth_events" DROP CONSTRAINT "FK_d27703f0a3d79ba424741807cb4"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_login_throttle_last_failure_at"`);
    await queryRunner.query(`DROP TABLE "login_throttle"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_auth_events_user_created"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_auth_events_created_at"`);
    await queryRunner.query(`DROP TABLE "auth_events"`);
  }
}
