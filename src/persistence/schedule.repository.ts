import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { PageCursor } from '../common/cursor';
import { mapInSlices } from '../common/time-slices';
import { ScheduleEntity } from './schedule.entity';
import { SCOUT_DATA_SOURCE } from './scout-data-source';
import { NewTask } from './task.repository';
import { TaskEntity } from './task.entity';
import { PreparedStatement } from './prepared-statement';
import {
  DUE_COLUMNS,
  PlannedSchedule,
  SCHEDULE_COLUMNS,
  scheduleOfRow,
  TimesAsMs,
  withPlanningDates,
} from './schedule-rows';

export type NewSchedule = Omit<ScheduleEntity, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'lastRunAt'>;

/** A schedule due soon, and whether it is this instance's. */
export type DueSchedule = PlannedSchedule & { owned: boolean };

/** A task on an `after:` path: its id, and its name (null if the task is gone). */
export interface ChainLink {
  id: string;
  name: string | null;
}

/** Thrown instead of storing an `after:` schedule that would close a cycle; `path` as in findChainCycle. */
export class ChainCycleFound extends Error {
  constructor(readonly path: ChainLink[]) {
    super('after: would make a cycle');
  }
}

/** Any fixed number: the transaction lock every `after:` schedule is checked and stored under. */
const CHAIN_LOCK = 7_311_844;

/**
 * The `after:` path from `$2` upwards (each task to the task its own `after:` schedule follows),
 * until it reaches `$1`: one row per task, in order, or none when it never does. Each task has
 * one schedule, so the walk is a single path; it stops at a task already on it, so a cycle
 * stored before cycles were refused cannot make it loop.
 */
const CHAIN_PATH_TO = `WITH RECURSIVE walk(task_id, path) AS (
     SELECT $2::text, ARRAY[$2::text]
     UNION ALL
     SELECT s.signal, w.path || s.signal
       FROM walk w JOIN schedule s ON s.task_id = w.task_id::uuid AND s.type = 'chain'
      WHERE w.task_id <> $1 AND s.signal <> ALL (w.path)
   ), found AS (SELECT path FROM walk WHERE task_id = $1 LIMIT 1)
   SELECT step.id, t.name
     FROM found CROSS JOIN unnest(found.path) WITH ORDINALITY AS step(id, n)
     LEFT JOIN task t ON t.id = step.id::uuid
    ORDER BY step.n`;

/**
 * A task and its schedule inserted in one statement, prepared: it runs once per creation request.
 * The schedule comes back with the due query's columns. Every column is named (no `RETURNING *`):
 * a column another instance's migration adds must not change a prepared statement's result.
 */
const INSERT_WITH_TASK = new PreparedStatement<TaskEntity & { schedule: TimesAsMs<ScheduleEntity> }>(
  'scout_insert_task_with_schedule',
  `WITH new_task AS (
     INSERT INTO task (name, description, handler, payload) VALUES ($1, $2, $3, $4)
     RETURNING id, name, description, handler, payload, created_at, updated_at
   ), new_schedule AS (
     INSERT INTO schedule (task_id, spec, type, timezone, signal, scheduled_at, start_at, end_at,
                           next_run_at, paused, misfire_policy, misfire_grace_seconds, overlap_policy,
                           timeout_seconds, max_retries, retry_backoff_seconds, jitter_seconds, text)
     SELECT id, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21 FROM new_task
     RETURNING ${SCHEDULE_COLUMNS}
   )
   SELECT t.id, t.name, t.description, t.handler, t.payload,
          t.created_at AS "createdAt", t.updated_at AS "updatedAt", to_jsonb(s) AS schedule
     FROM new_task t CROSS JOIN new_schedule s`,
);

/*
 * The control plane's statements: one round trip each, prepared (they run once per request), and
 * answering with the row as stored, so no request reads it back. At 10,000 fires a second every
 * round trip waits its turn behind the engine's work, on the event loop and in PostgreSQL.
 */
const PAUSE = new PreparedStatement<TimesAsMs<ScheduleEntity>>(
  'scout_pause_schedule',
  `UPDATE schedule SET paused = true, version = version + 1, updated_at = now()
    WHERE task_id = $1 AND NOT paused
   RETURNING ${SCHEDULE_COLUMNS}`,
);

const RESUME = new PreparedStatement<TimesAsMs<ScheduleEntity>>(
  'scout_resume_schedule',
  `UPDATE schedule SET paused = false, next_run_at = $2, version = version + 1, updated_at = now()
    WHERE id = $1 AND paused
   RETURNING ${SCHEDULE_COLUMNS}`,
);

const DELETE_BY_TASK = new PreparedStatement<TimesAsMs<ScheduleEntity>>(
  'scout_delete_schedule',
  `DELETE FROM schedule WHERE task_id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
);

/** The schedule is read in the statement's snapshot, before the foreign key's cascade removes it. */
const DELETE_TASK = new PreparedStatement<{ schedule: TimesAsMs<ScheduleEntity> | null }>(
  'scout_delete_task',
  `WITH gone AS (DELETE FROM task WHERE id = $1 RETURNING id)
   SELECT (SELECT to_jsonb(s) FROM (SELECT ${SCHEDULE_COLUMNS} FROM schedule WHERE task_id = $1) s) AS schedule
     FROM gone`,
);

@Injectable()
export class ScheduleRepository {
  constructor(
    @InjectRepository(ScheduleEntity, SCOUT_DATA_SOURCE)
    private readonly schedules: Repository<ScheduleEntity>,
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  findByTaskId(taskId: string): Promise<ScheduleEntity | null> {
    return this.schedules.findOneBy({ taskId });
  }

  findById(id: string): Promise<ScheduleEntity | null> {
    return this.schedules.findOneBy({ id });
  }

  findByIds(ids: string[]): Promise<ScheduleEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.schedules.findBy({ id: In(ids) });
  }

  /**
   * A new task and its first schedule, in one statement: one round trip and one commit, and
   * never a task stored without the schedule it was created with.
   */
  async insertWithTask(
    task: NewTask,
    schedule: Omit<NewSchedule, 'taskId'>,
  ): Promise<{ task: TaskEntity; schedule: ScheduleEntity }> {
    const [row] = await INSERT_WITH_TASK.run(this.dataSource, [
      task.name,
      task.description,
      task.handler,
      task.payload === null ? null : JSON.stringify(task.payload),
      schedule.spec,
      schedule.type,
      schedule.timezone,
      schedule.signal,
      schedule.scheduledAt,
      schedule.startAt,
      schedule.endAt,
      schedule.nextRunAt,
      schedule.paused,
      schedule.misfirePolicy,
      schedule.misfireGraceSeconds,
      schedule.overlapPolicy,
      schedule.timeoutSeconds,
      schedule.maxRetries,
      schedule.retryBackoffSeconds,
      schedule.jitterSeconds,
      schedule.text,
    ]);
    const { schedule: stored, ...created } = row;
    return { task: Object.assign(new TaskEntity(), created), schedule: scheduleOfRow(stored) };
  }

  /**
   * One schedule per task: the new one takes the old one's place in one transaction.
   *
   * An `after:` schedule is stored only if it closes no cycle (else ChainCycleFound): the check
   * and the insert run under one transaction lock that every `after:` insert takes, so two
   * requests cannot each add one half of a cycle (A after B, B after A) unseen by the other.
   * Chain schedules are few and rarely made; other schedules never take the lock.
   */
  replaceForTask(schedule: NewSchedule): Promise<{ saved: ScheduleEntity; replaced: ScheduleEntity | null }> {
    return this.dataSource.transaction(async (manager) => {
      if (schedule.type === 'chain' && schedule.signal) {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
        const cycle = await this.findChainCycle(schedule.taskId, schedule.signal, manager);
        if (cycle) throw new ChainCycleFound(cycle);
      }
      const repository = manager.getRepository(ScheduleEntity);
      const replaced = await repository.findOne({
        where: { taskId: schedule.taskId },
        lock: { mode: 'pessimistic_write' },
      });
      if (replaced) await repository.delete({ id: replaced.id });
      const saved = await repository.save(
        repository.create({ ...schedule, lastRunAt: replaced?.lastRunAt ?? null }),
      );
      return { saved, replaced };
    });
  }

  /**
   * The cycle that scheduling `taskId` after `signal` would close: the `after:` path from
   * `signal` up to `taskId` (`[signal, …, taskId]`: each follows the next), or null when there
   * is none. One recursive query; it reads only the path, not every schedule.
   */
  async findChainCycle(
    taskId: string,
    signal: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ChainLink[] | null> {
    const rows = await manager.query<ChainLink[]>(CHAIN_PATH_TO, [taskId, signal]);
    return rows.length > 0 ? rows : null;
  }

  /** Deletes the task's schedule: the schedule it was, or null if it had none (one statement). */
  async deleteByTaskId(taskId: string): Promise<ScheduleEntity | null> {
    const [row] = await DELETE_BY_TASK.run(this.dataSource, [taskId]);
    return row ? scheduleOfRow(row) : null;
  }

  /**
   * Deletes a task and, by its foreign key, its schedule, in one statement: null if there was no
   * such task, else the schedule it had (null if none). Its runs stay.
   */
  async deleteWithTask(taskId: string): Promise<{ schedule: ScheduleEntity | null } | null> {
    const [row] = await DELETE_TASK.run(this.dataSource, [taskId]);
    if (!row) return null;
    return { schedule: row.schedule ? scheduleOfRow(row.schedule) : null };
  }

  /**
   * Pauses the task's schedule and bumps its version, so claims planned from the old row insert
   * nothing: the schedule as paused, or null if it had none or was paused already.
   */
  async pauseByTaskId(taskId: string): Promise<ScheduleEntity | null> {
    const [row] = await PAUSE.run(this.dataSource, [taskId]);
    return row ? scheduleOfRow(row) : null;
  }

  /** Resumes a paused schedule at `nextRunAt`, bumping its version: null if it is not paused (or gone). */
  async resume(id: string, nextRunAt: Date | null): Promise<ScheduleEntity | null> {
    const [row] = await RESUME.run(this.dataSource, [id, nextRunAt]);
    return row ? scheduleOfRow(row) : null;
  }

  listPage(limit: number, after: PageCursor | null): Promise<ScheduleEntity[]> {
    const query = this.schedules
      .createQueryBuilder('schedule')
      .orderBy('schedule.createdAt', 'ASC')
      .addOrderBy('schedule.id', 'ASC');
    if (after) query.where('(schedule.createdAt, schedule.id) > (:at, :id)', { at: after.at, id: after.id });
    return query.take(limit + 1).getMany();
  }

  /**
   * Active timed schedules due soon (index `schedule_due_idx`): those of this instance's partition
   * due by `until`, the others only if due by `backupUntil` (their owner has not claimed them).
   * Each row says whether it is this instance's (`owned`).
   */
  async findDue(
    until: Date,
    backupUntil: Date,
    partition: { count: number; index: number },
    limit: number,
  ): Promise<DueSchedule[]> {
    const rows = await this.dataSource.query<Array<TimesAsMs<DueSchedule>>>(
      `SELECT ${DUE_COLUMNS}, (abs(hashtext(id::text)) % $3 = $4) AS owned
         FROM schedule
        WHERE next_run_at IS NOT NULL AND NOT paused AND next_run_at <= $1
          AND (next_run_at <= $2 OR abs(hashtext(id::text)) % $3 = $4)
        ORDER BY next_run_at
        LIMIT $5`,
      [until.toISOString(), backupUntil.toISOString(), partition.count, partition.index, limit],
    );
    return mapInSlices(rows, withPlanningDates);
  }

  /** The active `on:<event>` or `after:<taskId>` schedules waiting on any of these signals (one query for a whole batch). */
  findListening(type: 'event' | 'chain', signals: string[]): Promise<ScheduleEntity[]> {
    if (signals.length === 0) return Promise.resolve([]);
    return this.schedules
      .createQueryBuilder('schedule')
      .where('schedule.type = :type AND schedule.signal = ANY(:signals) AND NOT schedule.paused', {
        type,
        signals,
      })
      .getMany();
  }

  async nextRunAtOf(taskIds: string[]): Promise<Map<string, Date | null>> {
    if (taskIds.length === 0) return new Map();
    const rows = await this.schedules.find({
      where: { taskId: In(taskIds) },
      select: { taskId: true, nextRunAt: true, paused: true },
    });
    return new Map(rows.map((row) => [row.taskId, row.paused ? null : row.nextRunAt]));
  }
}
