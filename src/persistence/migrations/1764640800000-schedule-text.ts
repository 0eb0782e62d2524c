import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The plain-English phrase a schedule was read from, kept beside the spec it became (issue 20).
 * Nullable without a default: adding it rewrites nothing, and rows made from a spec stay null.
 */
export class ScheduleText1764640800000 implements MigrationInterface {
  name = 'ScheduleText1764640800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "schedule" ADD COLUMN "text" varchar(500)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "schedule" DROP COLUMN "text"`);
  }
}
