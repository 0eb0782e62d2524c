import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { RunStatus, RunTrigger } from '../domain/run-status';

/**
 * One fire of a task. Inserting it is the claim: `(scheduleId, scheduledFor)` is unique, so
 * whichever instance inserts the row runs the fire and every other insert is a no-op.
 * Runs have no foreign key to their task or schedule on purpose: history outlives both.
 */
@Entity({ name: 'task_run' })
@Index('task_run_claim_key', ['scheduleId', 'scheduledFor'], { unique: true })
@Index('task_run_task_idx', ['taskId', 'scheduledFor', 'id'])
// Open runs, by lease (recovery, takeovers). Retention reads `task_run_created_brin`, a BRIN
// index on `created_at` that the migrations make (decorators cannot say `USING brin`).
@Index('task_run_open_lease_idx', ['leaseUntil'], { where: `status IN ('pending', 'running')` })
export class TaskRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId: string | null;

  @Column({ type: 'varchar', length: 16 })
  trigger: RunTrigger;

  @Column({ name: 'scheduled_for', type: 'timestamptz' })
  scheduledFor: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs: number | null;

  @Column({ type: 'varchar', length: 16 })
  status: RunStatus;

  @Column({ type: 'integer', default: 1 })
  attempt: number;

  /** How many `after:`/`on:` steps led to this run (0: a timed or manual run). */
  @Column({ name: 'chain_depth', type: 'integer', default: 0 })
  chainDepth: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'jsonb', nullable: true })
  result: unknown;

  /** The instance that claimed (and runs) this fire. */
  @Column({ name: 'instance_id', type: 'varchar', length: 64, nullable: true })
  instanceId: string | null;

  /**
   * Until when a `pending` claim is its claimer's alone. Past it, another instance may take the
   * run over; the claimer then starts it only if it still holds it (it checks when late).
   */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
