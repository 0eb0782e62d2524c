import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tasks, schedules, runs and instances. Timestamps are `timestamptz(3)` where they sort pages:
 * JavaScript dates hold milliseconds, so a keyset cursor must compare at that precision. UUIDs come from `gen_random_uuid()` (core since
 * PostgreSQL 13 and present in PGlite), so the embedded and the real server share this file.
 */
export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "task" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "description" text,
        "handler" varchar(100) NOT NULL,
        "payload" jsonb,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "schedule" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "task_id" uuid NOT NULL UNIQUE REFERENCES "task"("id") ON DELETE CASCADE,
        "spec" varchar(500) NOT NULL,
        "type" varchar(16) NOT NULL,
        "timezone" varchar(64) NOT NULL,
        "signal" varchar(200),
        "scheduled_at" timestamptz NOT NULL,
        "start_at" timestamptz,
        "end_at" timestamptz,
        "next_run_at" timestamptz,
        "last_run_at" timestamptz,
        "paused" boolean NOT NULL DEFAULT false,
        "misfire_policy" varchar(16) NOT NULL,
        "misfire_grace_seconds" integer NOT NULL,
        "overlap_policy" varchar(16) NOT NULL,
        "timeout_seconds" integer,
        "max_retries" integer NOT NULL DEFAULT 0,
        "retry_backoff_seconds" integer NOT NULL DEFAULT 10,
        "jitter_seconds" integer NOT NULL DEFAULT 0,
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "schedule_due_idx" ON "schedule" ("next_run_at") WHERE next_run_at IS NOT NULL AND NOT paused`,
    );
    await queryRunner.query(
      `CREATE INDEX "schedule_signal_idx" ON "schedule" ("type", "signal") WHERE signal IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "task_run" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "task_id" uuid NOT NULL,
        "schedule_id" uuid,
        "trigger" varchar(16) NOT NULL,
        "scheduled_for" timestamptz NOT NULL,
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "duration_ms" integer,
        "status" varchar(16) NOT NULL,
        "attempt" integer NOT NULL DEFAULT 1,
        "error" text,
        "result" jsonb,
        "instance_id" varchar(64),
        "created_at" timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "task_run_claim_key" ON "task_run" ("schedule_id", "scheduled_for")`,
    );
    await queryRunner.query(
      `CREATE INDEX "task_run_task_idx" ON "task_run" ("task_id", "scheduled_for", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "task_run_open_idx" ON "task_run" ("status") WHERE status IN ('pending', 'running')`,
    );
    await queryRunner.query(`CREATE INDEX "task_run_created_idx" ON "task_run" ("created_at")`);
    await queryRunner.query(`
      CREATE TABLE "scheduler_instance" (
        "id" varchar(64) PRIMARY KEY,
        "host" varchar(255) NOT NULL,
        "pid" integer NOT NULL,
        "started_at" timestamptz NOT NULL,
        "heartbeat_at" timestamptz NOT NULL,
        "stopped_at" timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scheduler_instance"`);
    await queryRunner.query(`DROP TABLE "task_run"`);
    await queryRunner.query(`DROP TABLE "schedule"`);
    await queryRunner.query(`DROP TABLE "task"`);
  }
}
