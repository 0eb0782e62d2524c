import { Injectable, Logger, Optional } from '@nestjs/common';
import { DatabaseState } from '../../persistence/database-state.service';
import { TaskRunRepository } from '../../persistence/task-run.repository';
import { FireTimers } from '../fire-timers';
import { InstanceIdentity } from '../cluster/instance-identity';
import { RUN_LEASE_MS } from '../cluster/leases';
import { Fire, retryDelayMs } from './run-policy';

/** Retries whose run could not be inserted while the database was away, kept to insert when it is back. */
export const MAX_DEFERRED_RETRIES = 10_000;

/**
 * Retries of failed and timed-out runs: each is inserted `pending` as a run of its own, then
 * armed as a named FireTimers timer and handed back to the executor when due.
 */
@Injectable()
export class RunRetries {
  private readonly logger = new Logger(RunRetries.name);
  /** Armed retry timers by name, with the schedule they belong to ('' for none). */
  private readonly retryTimers = new Map<string, string>();
  private deferredRetries: Array<{ fire: Fire; failedAt: Date }> = [];
  private stopped = false;
  private launch: ((fire: Fire) => void) | null = null;

  constructor(
    private readonly runs: TaskRunRepository,
    private readonly timers: FireTimers,
    private readonly identity: InstanceIdentity,
    @Optional() private readonly database?: DatabaseState,
  ) {
    database?.onRestored(() => {
      const deferred = this.deferredRetries;
      this.deferredRetries = [];
      for (const { fire, failedAt } of deferred) void this.schedule(fire, failedAt);
    });
  }

  /** Where due retries go (the executor). */
  onDue(launch: (fire: Fire) => void): void {
    this.launch = launch;
  }

  /** Inserts the next attempt of a run that failed at `failedAt` and arms it after its backoff. */
  async schedule(fire: Fire, failedAt: Date): Promise<void> {
    const attempt = fire.run.attempt + 1;
    const retryAt = new Date(failedAt.getTime() + retryDelayMs(fire.policy, fire.run.attempt));
    try {
      const run = await this.runs.insertRun(
        {
          taskId: fire.run.taskId,
          scheduleId: fire.run.scheduleId,
          trigger: 'retry',
          scheduledFor: retryAt,
          attempt,
          instanceId: this.identity.id,
          chainDepth: fire.chainDepth,
        },
        RUN_LEASE_MS,
        'pending',
      );
      // Shutting down: the retry stays `pending`, for whoever starts next to take over.
      if (!run || this.stopped) return;
      const name = `scout:retry:${run.id}`;
      this.retryTimers.set(name, fire.run.scheduleId ?? '');
      this.timers.arm(name, retryAt.getTime(), () => {
        this.retryTimers.delete(name);
        this.launch?.({ ...fire, run, recorded: false });
      });
    } catch (error) {
      if (this.database?.report(error)) {
        if (this.deferredRetries.length < MAX_DEFERRED_RETRIES) this.deferredRetries.push({ fire, failedAt });
        return;
      }
      this.logger.error(
        `Could not schedule retry ${attempt} of run ${fire.run.id}: ${(error as Error).message}`,
      );
    }
  }

  /** Drops the armed retries of a schedule that was paused or cancelled. */
  cancel(scheduleId: string): void {
    for (const [name, owner] of this.retryTimers) {
      if (owner !== scheduleId) continue;
      this.timers.disarm(name);
      this.retryTimers.delete(name);
    }
  }

  /**
   * Arms no more retries (the service is shutting down) and disarms the armed ones. Unstarted
   * retries stay `pending` in the database; whoever starts next takes them over.
   */
  stop(): void {
    this.stopped = true;
    for (const name of this.retryTimers.keys()) this.timers.disarm(name);
    this.retryTimers.clear();
  }
}
