import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import { returningRows } from './run-statements';

export interface InstanceRow {
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  heartbeatAt: Date;
  stoppedAt: Date | null;
  /** Heartbeat within the lease and not stopped, judged by the database clock. */
  alive: boolean;
}

/** Scheduler instances and their heartbeats; every time here is the database's `now()`. */
@Injectable()
export class InstanceRepository {
  constructor(@InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async register(instance: { id: string; host: string; pid: number }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO scheduler_instance (id, host, pid, started_at, heartbeat_at) VALUES ($1, $2, $3, now(), now())`,
      [instance.id, instance.host, instance.pid],
    );
  }

  /** False when this instance's row is gone (peers judged it dead during a long outage and forgot it). */
  async heartbeat(id: string): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
      `UPDATE scheduler_instance SET heartbeat_at = now() WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  async databaseNow(): Promise<Date> {
    const [row] = await this.dataSource.query<Array<{ now: Date }>>(`SELECT clock_timestamp() AS now`);
    return row.now;
  }

  async markStopped(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE scheduler_instance SET stopped_at = now() WHERE id = $1`, [id]);
  }

  findAll(leaseMs: number): Promise<InstanceRow[]> {
    return this.dataSource.query<InstanceRow[]>(
      `SELECT id, host, pid, started_at AS "startedAt", heartbeat_at AS "heartbeatAt", stopped_at AS "stoppedAt",
              (stopped_at IS NULL AND heartbeat_at > now() - $1 * interval '1 millisecond') AS alive
         FROM scheduler_instance ORDER BY started_at, id`,
      [leaseMs],
    );
  }

  /**
   * Forgets stopped instances, but only once none of their runs is open: the row's start
   * watermark is what tells a started fire from one still to take over.
   */
  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `DELETE FROM scheduler_instance i
        WHERE i.id = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM task_run r WHERE r.status IN ('pending', 'running') AND r.instance_id = i.id)`,
      [ids],
    );
  }
}
