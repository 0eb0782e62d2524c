import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, LessThan, Repository } from 'typeorm';
import { v7 as timeOrderedId } from 'uuid';
import type { PageCursor } from '../common/cursor';
import type { RunStatus, RunTrigger } from '../domain/run-status';
import { LOCKED_WATERMARKS, READ_COLUMNS, RUN_COLUMNS, startedPending } from './run-state';
import { returningRows, TOUCH_LAST_RUN } from './run-statements';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import { plainArray } from './sql-arrays';
import { fromEpochMs, msOf } from './sql-times';
import { TaskRunEntity } from './task-run.entity';

export interface NewRun {
  taskId: string;
  scheduleId: string | null;
  trigger: RunTrigger;
  scheduledFor: Date;
  attempt: number;
  instanceId: string;
  /** How many `after:`/`on:` steps led to it; absent: 0. */
  chainDepth?: number;
}

export interface RunOutcome {
  id: string;
  status: Exclude<RunStatus, 'pending' | 'running'>;
  startedAt: Date | null;
  finishedAt: Date;
  durationMs: number | null;
  error: string | null;
  result: unknown;
}

/** JSON text PostgreSQL's jsonb accepts: it refuses the \u0000 escape. */
function storableJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value).replace(/(?<!\\)\\u0000/g, '');
}

/**
 * Run history: runs inserted outside the planner (manual, event, chain, retry), final statuses,
 * recovery of dead instances' runs, and the reads the API answers from.
 */
@Injectable()
export class TaskRunRepository {
  constructor(
    @InjectRepository(TaskRunEntity, SCOUT_DATA_SOURCE) private readonly runs: Repository<TaskRunEntity>,
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /**
   * Inserts one run (manual, event, chain or retry); null when its claim key is taken. A run that
   * starts at once is inserted `running` (its start recorded before its handler runs); a retry
   * for later is `pending`, with a lease. Its id is time-ordered, as for claims.
   */
  async insertRun(
    run: NewRun,
    leaseMs: number,
    status: 'pending' | 'running',
  ): Promise<TaskRunEntity | null> {
    const rows = await returningRows<TaskRunEntity>(
      this.dataSource,
      `WITH inserted AS (
         INSERT INTO task_run (id, task_id, schedule_id, trigger, scheduled_for, status, attempt, instance_id,
                               lease_until, started_at, chain_depth)
         VALUES ($9, $1, $2, $3, $4, $8::varchar, $5, $6, $4::timestamptz + $7 * interval '1 millisecond',
                 CASE WHEN $8::varchar = 'running' THEN $4::timestamptz END, $10)
         ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
         RETURNING ${RUN_COLUMNS}),
       started AS (SELECT "scheduleId" AS schedule_id, "startedAt" AS started_at FROM inserted),
       touched AS (${TOUCH_LAST_RUN} RETURNING s.id)
       SELECT * FROM inserted`,
      [
        run.taskId,
        run.scheduleId,
        run.trigger,
        run.scheduledFor.toISOString(),
        run.attempt,
        run.instanceId,
        leaseMs,
        status,
        timeOrderedId(),
        run.chainDepth ?? 0,
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * Writes final statuses; a run already final is left alone (a final status is final), and a
   * run that started is never recorded `missed` (a claim recovered twice around an outage). The
   * schedule's `last_run_at` moved when the run's start was recorded, so this touches `task_run`
   * only: at thousands of runs a second the schedule rows are the planner's.
   */
  async finish(outcomes: RunOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.dataSource.query(
      `UPDATE task_run t
            SET status = v.status, finished_at = ${fromEpochMs('v.finished_at')},
                started_at = CASE WHEN v.status IN ('skipped', 'missed') THEN NULL
                                  ELSE COALESCE(${fromEpochMs('v.started_at')}, t.started_at) END,
                duration_ms = v.duration_ms, error = v.error, result = v.result::jsonb
           FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[], $5::int[], $6::text[], $7::text[])
                AS v(id, status, started_at, finished_at, duration_ms, error, result)
          WHERE t.id = v.id AND t.status IN ('pending', 'running') 
            AND (v.status <> 'missed' OR (t.status = 'pending' AND NOT ${startedPending('t', 'scheduler_instance')}))`,
      [
        plainArray(outcomes, (outcome) => outcome.id),
        plainArray(outcomes, (outcome) => outcome.status),
        plainArray(outcomes, (outcome) => msOf(outcome.startedAt)),
        plainArray(outcomes, (outcome) => outcome.finishedAt.getTime()),
        plainArray(outcomes, (outcome) => outcome.durationMs),
        outcomes.map((outcome) => outcome.error?.replaceAll('\u0000', '') ?? null),
        outcomes.map((outcome) => storableJson(outcome.result)),
      ],
    );
  }

  /**
   * Runs still open (`pending` or `running`) whose instance is dead: stopped, silent for longer
   * than `leaseMs` (by the database clock; null: silence alone kills nobody), unknown, or listed
   * in `deadIds`. One statement, so an instance that registers meanwhile is never mistaken for a
   * dead one. A claim its instance's watermark had reached reads `running`.
   */
  findOpenOfDeadInstances(leaseMs: number | null, deadIds: string[]): Promise<TaskRunEntity[]> {
    return this.dataSource.query<TaskRunEntity[]>(
      `SELECT ${READ_COLUMNS} FROM task_run run
        WHERE run.status IN ('pending', 'running')
          AND (run.instance_id IS NULL OR run.instance_id = ANY($2::text[]) OR NOT EXISTS (
                SELECT 1 FROM scheduler_instance i
                 WHERE i.id = run.instance_id AND i.stopped_at IS NULL
                   AND ($1::float8 IS NULL OR i.heartbeat_at > now() - $1::float8 * interval '1 millisecond')))
        ORDER BY run.scheduled_for`,
      [leaseMs, deadIds],
    );
  }

  /**
   * This instance's open runs whose lease ended before `expiredBefore` (database clock): after
   * an outage, claims it could not start and runs whose end it could not record. The caller
   * leaves out those it still has in hand.
   */
  findExpiredOf(instanceId: string, expiredBefore: Date): Promise<TaskRunEntity[]> {
    return this.dataSource.query<TaskRunEntity[]>(
      `SELECT ${READ_COLUMNS} FROM task_run run
        WHERE run.status IN ('pending', 'running') AND run.lease_until < $2 AND run.instance_id = $1
        ORDER BY run.scheduled_for`,
      [instanceId, expiredBefore.toISOString()],
    );
  }

  /**
   * Marks started runs of dead instances `interrupted` (`running`, or claims their watermark
   * reached); returns those this call changed. A run ends at the last moment its instance is
   * known to have been alive — its last heartbeat, or its stop mark — but not before the run's
   * start nor after `now`; without an instance row, at `now`. The downtime is not the run's.
   */
  interrupt(ids: string[], now: Date, error: string): Promise<TaskRunEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const end = `GREATEST(run.started_at, LEAST($2::timestamptz, COALESCE(
       (SELECT GREATEST(i.heartbeat_at, i.stopped_at) FROM scheduler_instance i WHERE i.id = run.instance_id),
       $2::timestamptz)))`;
    return returningRows<TaskRunEntity>(
      this.dataSource,
      `WITH ${LOCKED_WATERMARKS}
       UPDATE task_run run SET status = 'interrupted', finished_at = ${end}, error = $3,
              duration_ms = (extract(epoch FROM (${end} - started_at)) * 1000)::int
        WHERE id = ANY($1::uuid[]) AND (status = 'running' OR ${startedPending('run', 'watermarks')})
        RETURNING ${RUN_COLUMNS}`,
      [ids, now.toISOString(), error],
    );
  }

  /** Newest first, `limit + 1` rows before the cursor. */
  listForTask(taskId: string, limit: number, before: PageCursor | null): Promise<TaskRunEntity[]> {
    return this.dataSource.query<TaskRunEntity[]>(
      `SELECT ${READ_COLUMNS} FROM task_run run
        WHERE run.task_id = $1 AND ($3::timestamptz IS NULL OR (run.scheduled_for, run.id) < ($3, $4::uuid))
        ORDER BY run.scheduled_for DESC, run.id DESC
        LIMIT $2`,
      [taskId, limit + 1, before ? before.at.toISOString() : null, before ? before.id : null],
    );
  }

  /** The latest run of each task, for `Task.lastRun`. */
  async latestOf(taskIds: string[]): Promise<Map<string, TaskRunEntity>> {
    if (taskIds.length === 0) return new Map();
    const rows = await this.dataSource.query<TaskRunEntity[]>(
      `SELECT DISTINCT ON (run.task_id) ${READ_COLUMNS} FROM task_run run
        WHERE run.task_id = ANY($1::uuid[])
          AND (run.status <> 'pending' OR ${startedPending('run', 'scheduler_instance')})
        ORDER BY run.task_id, run.scheduled_for DESC, run.id DESC`,
      [taskIds],
    );
    return new Map(rows.map((row) => [row.taskId, row]));
  }

  /** Deletes finished runs created before `cutoff`; returns how many. */
  async pruneFinishedBefore(cutoff: Date): Promise<number> {
    const result = await this.runs.delete({
      createdAt: LessThan(cutoff),
      status: In(['succeeded', 'failed', 'timed_out', 'interrupted', 'skipped', 'missed']),
    });
    return result.affected ?? 0;
  }
}
