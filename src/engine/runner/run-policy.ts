import type { ScheduleEntity } from '../../persistence/schedule.entity';
import type { TaskEntity } from '../../persistence/task.entity';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import type { OverlapPolicy } from '../../domain/policies';

/** How one run is executed: taken from its schedule, or the defaults for a run without one. */
export interface RunPolicy {
  overlap: OverlapPolicy;
  /**
   * The schedule's own timeout. Null: it gives none, and the executor applies the default
   * (`SCHEDULER_DEFAULT_TIMEOUT_SECONDS`) when the run starts, so rows stored without one follow
   * the setting of the day. 0: no timeout at all (an explicit opt-out).
   */
  timeoutMs: number | null;
  maxRetries: number;
  retryBackoffMs: number;
}

/** A run ready to start from memory: everything the executor needs, no database read at the instant. */
export interface Fire {
  run: Pick<TaskRunEntity, 'id' | 'taskId' | 'scheduleId' | 'scheduledFor' | 'attempt' | 'trigger'>;
  task: Pick<TaskEntity, 'id' | 'name' | 'handler' | 'payload'>;
  policy: RunPolicy;
  event: { name: string; payload: unknown } | null;
  /**
   * True when the database already records the run's start (the instance's start watermark or
   * the run `running`, written just before the instant, or inserted running); otherwise the
   * executor records it first, if this instance still holds it.
   */
  recorded: boolean;
  /**
   * How many `after:`/`on:` steps led to this run: 0 (or absent) for a timed or manual run, the
   * cause's depth + 1 for a chained or event run. Past `SCHEDULER_MAX_CHAIN_DEPTH` a fire is
   * recorded `skipped`, which is what stops a loop of events or chains.
   */
  chainDepth?: number;
}

export function runPolicyOf(
  schedule: Pick<
    ScheduleEntity,
    'overlapPolicy' | 'timeoutSeconds' | 'maxRetries' | 'retryBackoffSeconds'
  > | null,
): RunPolicy {
  if (!schedule) return { overlap: 'allow', timeoutMs: null, maxRetries: 0, retryBackoffMs: 10_000 };
  return {
    overlap: schedule.overlapPolicy,
    timeoutMs: schedule.timeoutSeconds === null ? null : schedule.timeoutSeconds * 1000,
    maxRetries: schedule.maxRetries,
    retryBackoffMs: schedule.retryBackoffSeconds * 1000,
  };
}

/** Exponential backoff: the n-th retry waits `base · 2^(n−1)`, capped at a day. */
export function retryDelayMs(policy: RunPolicy, failedAttempt: number): number {
  return Math.min(policy.retryBackoffMs * 2 ** (failedAttempt - 1), 86_400_000);
}
