import type { DataSource } from 'typeorm';
import type { FireClaim, ScheduleAdvance } from '../../src/persistence/run-claims.repository';
import type { ScheduleEntity } from '../../src/persistence/schedule.entity';
import { TaskRunEntity } from '../../src/persistence/task-run.entity';
import type { TaskEntity } from '../../src/persistence/task.entity';
import type { Repositories } from './repository-test-database';

/** A lease long enough that nothing expires during a test. */
export const LONG_LEASE_MS = 10 * 60_000;

/** `ms` from `from` (default: now), at millisecond precision as the repositories store it. */
export const instant = (ms: number, from = Date.now()): Date => new Date(from + ms);

/** A task with a timed (interval) schedule whose next planned instant is `nextRunAt`. */
export async function createTimedTask(
  repositories: Repositories,
  options: { nextRunAt: Date | null; paused?: boolean; name?: string },
): Promise<{ task: TaskEntity; schedule: ScheduleEntity }> {
  return repositories.schedules.insertWithTask(
    { name: options.name ?? 'report', description: null, handler: 'noop', payload: { answer: 42 } },
    {
      spec: 'every 1m',
      text: null,
      type: 'interval',
      timezone: 'UTC',
      signal: null,
      scheduledAt: instant(-60_000),
      startAt: null,
      endAt: null,
      nextRunAt: options.nextRunAt,
      paused: options.paused ?? false,
      misfirePolicy: 'run_once',
      misfireGraceSeconds: 60,
      overlapPolicy: 'allow',
      timeoutSeconds: null,
      maxRetries: 0,
      retryBackoffSeconds: 10,
      jitterSeconds: 0,
    },
  );
}

/** A `pending` claim of `schedule` at `scheduledFor`, planned to start then (or at `startAt`). */
export function pendingClaim(
  schedule: Pick<ScheduleEntity, 'id' | 'version'>,
  scheduledFor: Date,
  startAt: Date = scheduledFor,
): FireClaim {
  return {
    scheduleId: schedule.id,
    version: schedule.version,
    scheduledFor,
    status: 'pending',
    error: null,
    startAt,
  };
}

/** Moves `schedule`'s next planned instant from `expectedNextRunAt` to `nextRunAt`. */
export function advanceOf(
  schedule: Pick<ScheduleEntity, 'id' | 'version'>,
  expectedNextRunAt: Date,
  nextRunAt: Date | null,
  lastRunAt: Date | null = null,
): ScheduleAdvance {
  return { scheduleId: schedule.id, version: schedule.version, expectedNextRunAt, nextRunAt, lastRunAt };
}

export async function registerInstance(repositories: Repositories, id: string): Promise<void> {
  await repositories.instances.register({ id, host: 'test-host', pid: 4242 });
}

/** Sets an instance's bookkeeping times directly: a silent or stopped instance without waiting. */
export async function setInstanceTimes(
  dataSource: DataSource,
  id: string,
  times: { heartbeatAt?: Date; stoppedAt?: Date | null; startedThrough?: Date | null },
): Promise<void> {
  const current = await dataSource.query<
    Array<{ heartbeat_at: Date; stopped_at: Date | null; started_through: Date | null }>
  >(`SELECT heartbeat_at, stopped_at, started_through FROM scheduler_instance WHERE id = $1`, [id]);
  const row = current[0];
  await dataSource.query(
    `UPDATE scheduler_instance SET heartbeat_at = $2, stopped_at = $3, started_through = $4 WHERE id = $1`,
    [
      id,
      times.heartbeatAt ?? row.heartbeat_at,
      times.stoppedAt === undefined ? row.stopped_at : times.stoppedAt,
      times.startedThrough === undefined ? row.started_through : times.startedThrough,
    ],
  );
}

/** A run as stored (its stored status, not the derived one the API reads). */
export async function storedRun(dataSource: DataSource, id: string): Promise<TaskRunEntity | null> {
  return dataSource.getRepository(TaskRunEntity).findOneBy({ id });
}

export async function storedRunsOf(dataSource: DataSource, scheduleId: string): Promise<TaskRunEntity[]> {
  return dataSource
    .getRepository(TaskRunEntity)
    .find({ where: { scheduleId }, order: { scheduledFor: 'ASC' } });
}

export async function storedSchedule(dataSource: DataSource, id: string): Promise<ScheduleEntity> {
  const [row] = await dataSource.query<ScheduleEntity[]>(
    `SELECT id, version, paused, next_run_at AS "nextRunAt", last_run_at AS "lastRunAt" FROM schedule WHERE id = $1`,
    [id],
  );
  return row;
}

export async function watermarkOf(dataSource: DataSource, instanceId: string): Promise<Date | null> {
  const [row] = await dataSource.query<Array<{ startedThrough: Date | null }>>(
    `SELECT started_through AS "startedThrough" FROM scheduler_instance WHERE id = $1`,
    [instanceId],
  );
  return row.startedThrough;
}
