import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several instances on one database. Claims carry a lease: a `pending` run whose lease expired
 * (its claimer died or stalled) is taken over by another instance, so the fire still happens
 * (late, never twice). `socket_io_attachments` holds Socket.IO events too large for a NOTIFY
 * (the @socket.io/postgres-adapter's table).
 */
export class Cluster1764201600000 implements MigrationInterface {
  name = 'Cluster1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "task_run" ADD "lease_until" timestamptz`);
    await queryRunner.query(
      `CREATE INDEX "task_run_lease_idx" ON "task_run" ("lease_until") WHERE status = 'pending'`,
    );
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS "socket_io_attachments" (
        "id" bigserial UNIQUE,
        "created_at" timestamptz DEFAULT now(),
        "payload" bytea
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "socket_io_attachments"`);
    await queryRunner.query(`DROP INDEX "task_run_lease_idx"`);
    await queryRunner.query(`ALTER TABLE "task_run" DROP COLUMN "lease_until"`);
  }
}
