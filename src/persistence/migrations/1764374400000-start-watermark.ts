import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The start watermark: an instance records that it has started every fire it holds up to an
 * instant with one row update, instead of one update per run. A fire claimed by the planner
 * carries its planned start in `task_run.started_at` while `pending`; it counts as started once
 * its instance's `started_through` reaches that instant.
 */
export class StartWatermark1764374400000 implements MigrationInterface {
  name = 'StartWatermark1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scheduler_instance" ADD "started_through" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scheduler_instance" DROP COLUMN "started_through"`);
  }
}
