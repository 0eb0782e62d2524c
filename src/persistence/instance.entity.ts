import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A running scheduler process. Its heartbeat tells the others (and its own successor after a
 * crash) whether the runs it holds are still alive.
 */
@Entity({ name: 'scheduler_instance' })
export class InstanceEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  host: string;

  @Column({ type: 'integer' })
  pid: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'heartbeat_at', type: 'timestamptz' })
  heartbeatAt: Date;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt: Date | null;

  /**
   * The start watermark: every fire this instance claimed with a planned start up to here has
   * been started (one update per instant rather than one per run).
   */
  @Column({ name: 'started_through', type: 'timestamptz', nullable: true })
  startedThrough: Date | null;
}
