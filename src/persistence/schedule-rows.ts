import { ScheduleEntity } from './schedule.entity';
import { dateOfMs, epochMs } from './sql-times';

/** What planning a schedule and running its fires need (its bookkeeping times left out). */
export type PlannedSchedule = Omit<ScheduleEntity, 'lastRunAt' | 'createdAt' | 'updatedAt' | 'text'>;

/** A row as it comes back from SQL that sends its times as epoch milliseconds. */
export type TimesAsMs<T> = {
  [K in keyof T]: T[K] extends Date ? number : T[K] extends Date | null ? number | null : T[K];
};

/** The due query's columns; its times as epoch milliseconds (thousands of rows a second). */
export const DUE_COLUMNS = `id, task_id AS "taskId", spec, type, timezone, signal, ${epochMs('scheduled_at')} AS "scheduledAt",
  ${epochMs('start_at')} AS "startAt", ${epochMs('end_at')} AS "endAt", ${epochMs('next_run_at')} AS "nextRunAt", paused,
  misfire_policy AS "misfirePolicy", misfire_grace_seconds AS "misfireGraceSeconds", overlap_policy AS "overlapPolicy",
  timeout_seconds AS "timeoutSeconds", max_retries AS "maxRetries", retry_backoff_seconds AS "retryBackoffSeconds",
  jitter_seconds AS "jitterSeconds", version`;

/** Every column of a schedule, its times as epoch milliseconds too. */
export const SCHEDULE_COLUMNS = `${DUE_COLUMNS}, text, ${epochMs('last_run_at')} AS "lastRunAt",
  ${epochMs('created_at')} AS "createdAt", ${epochMs('updated_at')} AS "updatedAt"`;

/** The planning times of a row read with DUE_COLUMNS, as dates. */
export const withPlanningDates = <T extends TimesAsMs<PlannedSchedule>>(row: T) => ({
  ...row,
  scheduledAt: new Date(row.scheduledAt),
  startAt: dateOfMs(row.startAt),
  endAt: dateOfMs(row.endAt),
  nextRunAt: dateOfMs(row.nextRunAt),
});

/** A row read with SCHEDULE_COLUMNS (or `to_jsonb` of one), as an entity. */
export const scheduleOfRow = (row: TimesAsMs<ScheduleEntity>): ScheduleEntity =>
  Object.assign(new ScheduleEntity(), withPlanningDates(row), {
    lastRunAt: dateOfMs(row.lastRunAt),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  });
