/**
 * The run state, defined once. A run's stored `status` is the truth but for one case: a fire
 * claimed `pending` with a planned start (`started_at`) has started once its instance's start
 * watermark (`scheduler_instance.started_through`) reaches that start — the planner records a
 * group's start by moving one row, not by updating thousands. Every statement that must tell a
 * started claim from an unstarted one uses `startedPending`; every read the API answers from uses
 * `READ_COLUMNS`, where such a run reads `running`.
 */
export const RUN_COLUMNS = `id, task_id AS "taskId", schedule_id AS "scheduleId", trigger, scheduled_for AS "scheduledFor",
  started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs", status, attempt, error, result,
  instance_id AS "instanceId", lease_until AS "leaseUntil", created_at AS "createdAt", chain_depth AS "chainDepth"`;

/**
 * Whether a `pending` run of the planner already started: its claim carries its planned start
 * (`started_at`) and its instance's start watermark has reached it. A run whose instance row is
 * gone counts as started (never run twice). `instances` is `scheduler_instance`, or a CTE of it
 * locked `FOR SHARE` where the answer must hold against a watermark being written.
 */
export const startedPending = (run: string, instances: string) =>
  `(${run}.status = 'pending' AND ${run}.started_at IS NOT NULL AND NOT EXISTS (
     SELECT 1 FROM ${instances} w
      WHERE w.id = ${run}.instance_id AND (w.started_through IS NULL OR w.started_through < ${run}.started_at)))`;

/**
 * Every instance's watermark, locked for the statement: a watermark being written is waited
 * for, and none can move until the statement's transaction ends.
 */
export const LOCKED_WATERMARKS = `watermarks AS MATERIALIZED (SELECT id, started_through FROM scheduler_instance FOR SHARE)`;

/** RUN_COLUMNS as the API tells them: a pending run its instance has started reads `running`. */
export const READ_COLUMNS = `run.id, run.task_id AS "taskId", run.schedule_id AS "scheduleId", run.trigger,
  run.scheduled_for AS "scheduledFor",
  CASE WHEN run.status <> 'pending' OR ${startedPending('run', 'scheduler_instance')} THEN run.started_at END
    AS "startedAt",
  run.finished_at AS "finishedAt", run.duration_ms AS "durationMs",
  CASE WHEN ${startedPending('run', 'scheduler_instance')} THEN 'running' ELSE run.status END AS status,
  run.attempt, run.error, run.result, run.instance_id AS "instanceId", run.lease_until AS "leaseUntil",
  run.created_at AS "createdAt", run.chain_depth AS "chainDepth"`;
