import { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionScope1795241262711 implements MigrationInterface {
  name = 'SessionScope1795241262711';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" ADD "scope" character varying(255)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "scope"`);
  }
}
