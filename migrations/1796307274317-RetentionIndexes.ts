import { MigrationInterface, QueryRunner } from 'typeorm';

export class RetentionIndexes1796307274317 implements MigrationInterface {
  name = 'RetentionIndexes1796307274317';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_sessions_expires_at" ON "sessions"  ("expires_at") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_sessions_revoked_at" ON "sessions"  ("revoked_at") WHERE "revoked_at" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_email_codes_expires_at" ON "email_codes"  ("expires_at") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_password_reset_tokens_expires_at" ON "password_reset_tokens"  ("expires_at") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_password_reset_tokens_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_email_codes_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_sessions_revoked_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_sessions_expires_at"`);
  }
}
