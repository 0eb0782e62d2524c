import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many `after:`/`on:` steps led to each run, so a loop of chains or events can be stopped
 * (`SCHEDULER_MAX_CHAIN_DEPTH`) and seen in history. A constant default adds the column without
 * rewriting the table, and timed runs (the planner's claims) never name it.
 */
export class RunChainDepth1764547200000 implements MigrationInterface {
  name = 'RunChainDepth1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "task_run" ADD COLUMN "chain_depth" integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "task_run" DROP COLUMN "chain_depth"`);
  }
}
