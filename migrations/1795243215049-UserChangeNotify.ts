import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every committed change or deletion of a user row is announced on channel `warden_user_changed`
 * (payload: the user id), whatever code path wrote it; every instance listens and drops its
 * cached copy (UserCacheService). Written by hand: TypeORM does not model triggers.
 */
export class UserChangeNotify1795243215049 implements MigrationInterface {
  name = 'UserChangeNotify1795243215049';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE OR REPLACE FUNCTION "warden_notify_user_changed"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('warden_user_changed', OLD."id"::text); RETURN NULL; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "users_notify_changed" AFTER UPDATE OR DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION "warden_notify_user_changed"()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS "users_notify_changed" ON "users"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "warden_notify_user_changed"()`);
  }
}
