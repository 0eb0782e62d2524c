import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SCOUT_DATA_SOURCE } from './scout-data-source';

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

  async heartbeat(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE scheduler_instance SET heartbeat_at = now() WHERE id = $1`, [id]);
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

  async remove(ids: string[]): Promise<void> {
    if (ids.length > 0)
      await this.dataSource.query(`DELETE FROM scheduler_instance WHERE id = ANY($1)`, [ids]);
  }
}
