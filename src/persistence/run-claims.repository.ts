import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as timeOrderedId } from 'uuid';
import { mapInSlices } from '../common/time-slices';
import { LOCKED_WATERMARKS, RUN_COLUMNS, startedPending } from './run-state';
import { returningRows, TOUCH_LAST_RUN } from './run-statements';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import { plainArray } from './sql-arrays';
import { dateOfMs, epochMs, fromEpochMs, msOf } from './sql-times';
import type { TaskRunEntity } from './task-run.entity';
import type { TaskEntity } from './task.entity';

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

/**
 * The planner's statements on claims: a fire's run row is its claim. Claiming, recording starts
 * (run by run, or for a whole group by the instance's start watermark), the safety net's checks,
 * takeovers of expired or dead instances' claims, and dropping claims that will never start.
 */
@Injectable()
export class RunClaimsRepository {
  constructor(@InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /**
   * The claim: inserts every planned fire whose schedule still has the planned version and is
   * not paused; `(schedule_id, scheduled_for)` is unique, so a fire another instance claimed
   * first inserts nothing. Advances the schedules in the same transaction. Returns the rows this
   * call inserted — the fires this instance owns — each with its task.
   *
   * Run ids are made here, time-ordered (UUIDv7): a claim's rows then land side by side at the
   * right edge of the primary-key index, and the group's start check reads them back from a few
   * adjacent pages, where random ids (the column default) touched a leaf page each (BENCHMARKS.md).
   * Their time is `plannedAt`, when the plan was made: a run's id tells whether its instant had
   * already passed when it was planned (a misfire) or not; within it, their sequence follows the
   * claims, so a schedule's ids sort like its instants.
   */
  claimFires(
    claims: FireClaim[],
    advances: ScheduleAdvance[],
    instanceId: string,
    leaseMs: number,
    plannedAt: Date = new Date(),
  ): Promise<ClaimedRun[]> {
    const plannedAtMs = plannedAt.getTime();
    // Within one plan's millisecond, ids follow the claims' order (each schedule's instants in turn).
    let seq = 0;
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
            plainArray(claims, () => timeOrderedId({ msecs: plannedAtMs, seq: seq++ })),
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

  /**
   * Takes over other instances' `pending` claims whose lease expired (their claimer died or
   * stalled) and that their claimer has not started: each goes to exactly one instance
   * (`SKIP LOCKED`), with a fresh lease, to be started run by run (`started_at` cleared). This
   * instance's own claims are its executor's business (it confirms late starts).
   */
  takeOverExpired(instanceId: string, now: Date, leaseMs: number, limit: number): Promise<TaskRunEntity[]> {
    return returningRows<TaskRunEntity>(
      this.dataSource,
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
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
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
    const rows = await returningRows<{ id: string }>(
      this.dataSource,
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
   * Moves unstarted claims of dead instances to this one, to be started run by run; returns
   * those it took (each exactly once).
   */
  async takeOver(ids: string[], fromInstanceIds: string[], instanceId: string): Promise<TaskRunEntity[]> {
    if (ids.length === 0) return [];
    return returningRows<TaskRunEntity>(
      this.dataSource,
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
}
