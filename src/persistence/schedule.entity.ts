import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { MisfirePolicy, OverlapPolicy } from '../domain/policies';
import type { TriggerType } from '../triggers/trigger';

/**
 * When a task fires. The row is the source of truth; memory only holds what is armed.
 * `nextRunAt` is the next planned instant not yet claimed (null: nothing more to fire on the
 * clock), `version` changes on every edit so a claim made from a stale copy inserts nothing.
 */
@Entity({ name: 'schedule' })
@Index('schedule_due_idx', ['nextRunAt'], { where: 'next_run_at IS NOT NULL AND NOT paused' })
@Index('schedule_signal_idx', ['type', 'signal'], { where: 'signal IS NOT NULL' })
export class ScheduleEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'task_id', type: 'uuid', unique: true })
  taskId: string;

  @Column({ type: 'varchar', length: 500 })
  spec: string;

  /** The plain-English phrase the spec was read from (null: the spec was given as such). */
  @Column({ type: 'varchar', length: 500, nullable: true })
  text: string | null;

  @Column({ type: 'varchar', length: 16 })
  type: TriggerType;

  @Column({ type: 'varchar', length: 64 })
  timezone: string;

  /** The event name (`on:`) or parent task id (`after:`); null for timed schedules. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  signal: string | null;

  /** The moment the schedule was made: fixes `in:` due times and `every` phase across restarts. */
  @Column({ name: 'scheduled_at', type: 'timestamptz' })
  scheduledAt: Date;

  @Column({ name: 'start_at', type: 'timestamptz', nullable: true })
  startAt: Date | null;

  @Column({ name: 'end_at', type: 'timestamptz', nullable: true })
  endAt: Date | null;

  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt: Date | null;

  @Column({ name: 'last_run_at', type: 'timestamptz', nullable: true })
  lastRunAt: Date | null;

  @Column({ type: 'boolean', default: false })
  paused: boolean;

  @Column({ name: 'misfire_policy', type: 'varchar', length: 16 })
  misfirePolicy: MisfirePolicy;

  @Column({ name: 'misfire_grace_seconds', type: 'integer' })
  misfireGraceSeconds: number;

  @Column({ name: 'overlap_policy', type: 'varchar', length: 16 })
  overlapPolicy: OverlapPolicy;

  @Column({ name: 'timeout_seconds', type: 'integer', nullable: true })
  timeoutSeconds: number | null;

  @Column({ name: 'max_retries', type: 'integer', default: 0 })
  maxRetries: number;

  @Column({ name: 'retry_backoff_seconds', type: 'integer', default: 10 })
  retryBackoffSeconds: number;

  @Column({ name: 'jitter_seconds', type: 'integer', default: 0 })
  jitterSeconds: number;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
