import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, LessThan, QueryRunner, Repository } from 'typeorm';
import { v7 as timeOrderedId } from 'uuid';
import { PageCursor } from '../common/cursor';
import { mapInSlices } from '../common/time-slices';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import type { RunStatus, RunTrigger } from '../domain/run-status';
import { TaskRunEntity } from './task-run.entity';
import type { TaskEntity } from './task.entity';
import { plainArray } from './sql-arrays';
import { dateOfMs, epochMs, fromEpochMs, msOf } from './sql-times';

/** A planned fire of a timed schedule: claimed as `pending`, or recorded straight away as `missed`. */
export interface FireClaim {
  scheduleId: string;
  /** The schedule version the plan was made from; a changed schedule makes the claim a no-op. */
  version: number;
  scheduledFor: Date;
  status: 'pending' | 'missed';
  error: string | null;
  /** When a `pending` fire starts (its instant plus any jitter): stored in `started_at` until it runs. */
  startAt: Date | null;
}

/** Moves a schedule's `nextRunAt` past what was just claimed, if nobody moved it meanwhile. */
export interface ScheduleAdvance {
  scheduleId: string;
  version: number;
  expectedNextRunAt: Date;
  nextRunAt: Date | null;
  /** The latest start of this schedule's runs not yet written to `last_run_at`, if any. */
  lastRunAt: Date | null;
}

/** A fire the claim inserted, with its task (joined in the same statement: nothing to read after). */
export type ClaimedRun = Pick<
  TaskRunEntity,
  | 'id'
  | 'taskId'
  | 'scheduleId'
  | 'trigger'
  | 'scheduledFor'
  | 'startedAt'
  | 'finishedAt'
  | 'status'
  | 'attempt'
  | 'error'
> & {
  /** Null when the task was deleted meanwhile. */
  task: Pick<TaskEntity, 'id' | 'name' | 'handler' | 'payload'> | null;
};

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

const RUN_COLUMNS = `id, task_id AS "taskId", schedule_id AS "scheduleId", trigger, scheduled_for AS "scheduledFor",
  started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs", status, attempt, error, result,
  instance_id AS "instanceId", lease_until AS "leaseUntil", created_at AS "createdAt", chain_depth AS "chainDepth"`;

/**
 * Whether a `pending` run of the planner already started: its claim carries its planned start
 * (`started_at`) and its instance's start watermark has reached it. A run whose instance row is
 * gone counts as started (never run twice). `instances` is `scheduler_instance`, or a CTE of it
 * locked `FOR SHARE` where the answer must hold against a watermark being written.
 */
const startedPending = (run: string, instances: string) =>
  `(${run}.status = 'pending' AND ${run}.started_at IS NOT NULL AND NOT EXISTS (
     SELECT 1 FROM ${instances} w
      WHERE w.id = ${run}.instance_id AND (w.started_through IS NULL OR w.started_through < ${run}.started_at)))`;

/**
 * Every instance's watermark, locked for the statement: a watermark being written is waited
 * for, and none can move until the statement's transaction ends.
 */
const LOCKED_WATERMARKS = `watermarks AS MATERIALIZED (SELECT id, started_through FROM scheduler_instance FOR SHARE)`;

/** RUN_COLUMNS as the API tells them: a pending run its instance has started reads `running`. */
const READ_COLUMNS = `run.id, run.task_id AS "taskId", run.schedule_id AS "scheduleId", run.trigger,
  run.scheduled_for AS "scheduledFor",
  CASE WHEN run.status <> 'pending' OR ${startedPending('run', 'scheduler_instance')} THEN run.started_at END
    AS "startedAt",
  run.finished_at AS "finishedAt", run.duration_ms AS "durationMs",
  CASE WHEN ${startedPending('run', 'scheduler_instance')} THEN 'running' ELSE run.status END AS status,
  run.attempt, run.error, run.result, run.instance_id AS "instanceId", run.lease_until AS "leaseUntil",
  run.created_at AS "createdAt", run.chain_depth AS "chainDepth"`;

/** Completes a `WITH started AS (… RETURNING schedule_id, started_at)`: moves `schedule.last_run_at`. */
const TOUCH_LAST_RUN = `UPDATE schedule s SET last_run_at = GREATEST(s.last_run_at, x.at)
  FROM (SELECT schedule_id, max(started_at) AS at FROM started
         WHERE schedule_id IS NOT NULL AND started_at IS NOT NULL GROUP BY schedule_id) x
 WHERE s.id = x.schedule_id`;

/**
 * Rows of a `… RETURNING` statement. TypeORM's plain `query()` answers UPDATE with
 * `[rows, affected]` but INSERT with `rows`; the structured result is the same for both.
 */
async function returning<T>(runner: QueryRunner, sql: string, parameters: unknown[]): Promise<T[]> {
  const result = (await runner.query(sql, parameters, true)) as { records: T[] };
  return result.records;
}

/** JSON text PostgreSQL's jsonb accepts: it refuses the \u0000 escape. */
function storableJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value).replace(/(?<!\\)\\u0000/g, '');
}

@Injectable()
export class TaskRunRepository {
  constructor(
    @InjectRepository(TaskRunEntity, SCOUT_DATA_SOURCE) private readonly runs: Repository<TaskRunEntity>,
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /**
   * The claim: inserts every planned fire whose schedule still has the planned version and is
   * not paused; `(schedule_id, scheduled_for)` is unique, so a fire another instance claimed
   * first inserts nothing. Advances the schedules in the same transaction. Returns the rows this
   * call inserted — the fires this instance owns — each with its task.
   *
   * Run ids are made here, time-ordered (UUIDv7): a claim's rows then land side by side at the
   * right edge of the primary-key index, and the group's start check reads them back from a few
   * adjacent pages, where random ids (the column default) touched a leaf page each. At 10,000
   * fires a second this cut the claim statement by 10–15 % (measured alone; see BENCHMARKS.md).
   */
  claimFires(
    claims: FireClaim[],
    advances: ScheduleAdvance[],
    instanceId: string,
    leaseMs: number,
  ): Promise<ClaimedRun[]> {
    return this.dataSource.transaction(async (manager) => {
      let claimed: ClaimedRun[] = [];
      if (claims.length > 0) {
        const rows = await manager.query<
          Array<{
            id: string;
            taskId: string;
            scheduleId: string;
            scheduledFor: number;
            startedAt: number | null;
            finishedAt: number | null;
            status: 'pending' | 'missed';
            error: string | null;
            name: string | null;
            handler: string | null;
            payload: TaskEntity['payload'];
          }>
        >(
          `WITH claimed AS (
             INSERT INTO task_run (id, task_id, schedule_id, trigger, scheduled_for, status, attempt,
                                   instance_id, finished_at, error, started_at, lease_until)
             SELECT v.id, s.task_id, s.id, 'schedule', ${fromEpochMs('v.scheduled_for')}, v.status, 1, $5,
                    CASE WHEN v.status = 'missed' THEN now() END, v.error,
                    CASE WHEN v.status = 'pending' THEN ${fromEpochMs('v.start_at')} END,
                    CASE WHEN v.status = 'pending' THEN ${fromEpochMs('(v.start_at + $7)')} END
               FROM unnest($1::uuid[], $2::int[], $3::float8[], $4::text[], $6::text[], $8::float8[], $9::uuid[])
                    AS v(schedule_id, version, scheduled_for, status, error, start_at, id)
               JOIN schedule s ON s.id = v.schedule_id AND s.version = v.version AND NOT s.paused
             ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
             RETURNING id, task_id, schedule_id, scheduled_for, started_at, finished_at, status, error)
           SELECT c.id, c.task_id AS "taskId", c.schedule_id AS "scheduleId",
                  ${epochMs('c.scheduled_for')} AS "scheduledFor", ${epochMs('c.started_at')} AS "startedAt",
                  ${epochMs('c.finished_at')} AS "finishedAt", c.status, c.error, t.name, t.handler, t.payload
             FROM claimed c LEFT JOIN task t ON t.id = c.task_id`,
          [
            plainArray(claims, (claim) => claim.scheduleId),
            plainArray(claims, (claim) => claim.version),
            plainArray(claims, (claim) => claim.scheduledFor.getTime()),
            plainArray(claims, (claim) => claim.status),
            instanceId,
            claims.map((claim) => claim.error),
            leaseMs,
            plainArray(claims, (claim) => msOf(claim.startAt)),
            plainArray(claims, () => timeOrderedId()),
          ],
        );
        claimed = await mapInSlices(rows, (row): ClaimedRun => ({
          id: row.id,
          taskId: row.taskId,
          scheduleId: row.scheduleId,
          trigger: 'schedule',
          scheduledFor: new Date(row.scheduledFor),
          startedAt: dateOfMs(row.startedAt),
          finishedAt: dateOfMs(row.finishedAt),
          status: row.status,
          attempt: 1,
          error: row.error,
          task:
            row.handler === null
              ? null
              : { id: row.taskId, name: row.name!, handler: row.handler, payload: row.payload },
        }));
      }
      if (advances.length > 0) {
        await manager.query(
          `UPDATE schedule s
              SET next_run_at = ${fromEpochMs('v.next_run_at')}, updated_at = s.updated_at,
                  last_run_at = GREATEST(s.last_run_at, ${fromEpochMs('v.last_run_at')})
             FROM unnest($1::uuid[], $2::int[], $3::float8[], $4::float8[], $5::float8[])
                  AS v(id, version, expected, next_run_at, last_run_at)
            WHERE s.id = v.id AND s.version = v.version AND s.next_run_at = ${fromEpochMs('v.expected')}`,
          [
            plainArray(advances, (advance) => advance.scheduleId),
            plainArray(advances, (advance) => advance.version),
            plainArray(advances, (advance) => advance.expectedNextRunAt.getTime()),
            plainArray(advances, (advance) => msOf(advance.nextRunAt)),
            plainArray(advances, (advance) => msOf(advance.lastRunAt)),
          ],
        );
      }
      return claimed;
    });
  }

  private async returning<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await returning<T>(runner, sql, parameters);
    } finally {
      await runner.release();
    }
  }

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
    const rows = await this.returning<TaskRunEntity>(
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
   * Takes over other instances' `pending` claims whose lease expired (their claimer died or
   * stalled) and that their claimer has not started: each goes to exactly one instance
   * (`SKIP LOCKED`), with a fresh lease, to be started run by run (`started_at` cleared). This
   * instance's own claims are its executor's business (it confirms late starts).
   */
  takeOverExpired(instanceId: string, now: Date, leaseMs: number, limit: number): Promise<TaskRunEntity[]> {
    return this.returning<TaskRunEntity>(
      `WITH ${LOCKED_WATERMARKS}
       UPDATE task_run SET instance_id = $1, lease_until = $2::timestamptz + $3 * interval '1 millisecond',
              started_at = NULL
        WHERE id IN (SELECT id FROM task_run run
                      WHERE status = 'pending' AND lease_until < $2 AND instance_id IS DISTINCT FROM $1
                        AND NOT ${startedPending('run', 'watermarks')}
                      ORDER BY lease_until LIMIT $4 FOR UPDATE SKIP LOCKED)
          AND status = 'pending'
        RETURNING ${RUN_COLUMNS}`,
      [instanceId, now.toISOString(), leaseMs, limit],
    );
  }

  /**
   * Marks claimed runs `running` before their handlers start — only those this instance still
   * holds (a claim taken over elsewhere stays with its new holder). Recording the start first
   * means a crash right after it leaves an `interrupted` run, never a run executed twice.
   * Returns the ids this instance may start.
   */
  async startIfHeld(ids: string[], instanceId: string, startedAt: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.returning<{ id: string }>(
      `WITH started AS (
         UPDATE task_run SET status = 'running', started_at = $3
          WHERE id = ANY($1::uuid[]) AND status = 'pending' AND instance_id = $2
         RETURNING id, schedule_id, started_at),
       touched AS (${TOUCH_LAST_RUN} RETURNING s.id)
       SELECT id FROM started`,
      [plainArray(ids, (id) => id), instanceId, startedAt.toISOString()],
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Records that `instanceId` has started every fire it claimed with a planned start up to `at`:
   * one row, whatever the number of runs. Refused (false) once `deadline` has passed by the
   * database clock: past it a claim's lease may have run out and the claim been taken over.
   */
  async markStartedThrough(instanceId: string, at: Date, deadline: Date): Promise<boolean> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `UPDATE scheduler_instance SET started_through = GREATEST(started_through, $2)
        WHERE id = $1 AND stopped_at IS NULL AND clock_timestamp() < $3
        RETURNING id`,
      [instanceId, at.toISOString(), deadline.toISOString()],
    );
    return rows.length > 0;
  }

  /** Moves `schedule.last_run_at` forward to these starts (never back). */
  async touchLastRun(starts: Array<{ scheduleId: string; at: Date }>): Promise<void> {
    if (starts.length === 0) return;
    await this.dataSource.query(
      `UPDATE schedule s SET last_run_at = GREATEST(s.last_run_at, ${fromEpochMs('v.at')})
         FROM unnest($1::uuid[], $2::float8[]) AS v(id, at)
        WHERE s.id = v.id`,
      [plainArray(starts, (start) => start.scheduleId), plainArray(starts, (start) => start.at.getTime())],
    );
  }

  /** Which of these runs are still `pending` and held by `instanceId` (armed fires' safety net). */
  async stillHeld(ids: string[], instanceId: string): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM task_run WHERE id = ANY($1::uuid[]) AND status = 'pending' AND instance_id = $2`,
      [plainArray(ids, (id) => id), instanceId],
    );
    return new Set(rows.map((row) => row.id));
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
          WHERE t.id = v.id AND t.status IN ('pending', 'running') AND (v.status <> 'missed' OR t.status = 'pending')`,
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
    return this.returning<TaskRunEntity>(
      `WITH ${LOCKED_WATERMARKS}
       UPDATE task_run run SET status = 'interrupted', finished_at = ${end}, error = $3,
              duration_ms = (extract(epoch FROM (${end} - started_at)) * 1000)::int
        WHERE id = ANY($1::uuid[]) AND (status = 'running' OR ${startedPending('run', 'watermarks')})
        RETURNING ${RUN_COLUMNS}`,
      [ids, now.toISOString(), error],
    );
  }

  /**
   * Moves unstarted claims of dead instances to this one, to be started run by run; returns
   * those it took (each exactly once).
   */
  async takeOver(ids: string[], fromInstanceIds: string[], instanceId: string): Promise<TaskRunEntity[]> {
    if (ids.length === 0) return [];
    return this.returning<TaskRunEntity>(
      `WITH ${LOCKED_WATERMARKS}
       UPDATE task_run run SET instance_id = $2, started_at = NULL
        WHERE id = ANY($1::uuid[]) AND status = 'pending' AND (instance_id IS NULL OR instance_id = ANY($3::text[]))
          AND NOT ${startedPending('run', 'watermarks')}
        RETURNING ${RUN_COLUMNS}`,
      [ids, instanceId, fromInstanceIds],
    );
  }

  /** Drops a schedule's claimed fires that have not started (the schedule was paused or cancelled). */
  async deletePendingOf(scheduleId: string): Promise<void> {
    await this.dataSource.query(
      `WITH ${LOCKED_WATERMARKS}
       DELETE FROM task_run run
        WHERE run.schedule_id = $1 AND run.status = 'pending' AND NOT ${startedPending('run', 'watermarks')}`,
      [scheduleId],
    );
  }

  /**
   * Deletes these claims of `instanceId` that are still `pending`: fires it claimed but will never
   * start (their schedule changed under the claim), whatever its start watermark says.
   */
  async deleteClaims(ids: string[], instanceId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `DELETE FROM task_run WHERE id = ANY($1::uuid[]) AND status = 'pending' AND instance_id = $2`,
      [plainArray(ids, (id) => id), instanceId],
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
