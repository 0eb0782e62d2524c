import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { TaskRunRepository } from '../persistence/task-run.repository';

export const RETENTION_JOB = 'scout:run-retention';

/** Keeps run history bounded: a daily job deletes finished runs older than the retention period. */
@Injectable()
export class RunRetention {
  private readonly logger = new Logger(RunRetention.name);

  constructor(
    private readonly runs: TaskRunRepository,
    private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  @Cron('17 3 * * *', { name: RETENTION_JOB, timeZone: 'UTC' })
  async prune(): Promise<number> {
    const cutoff = new Date(this.clock.nowMs() - this.options.runRetentionDays * 86_400_000);
    const removed = await this.runs.pruneFinishedBefore(cutoff);
    this.logger.log(`Pruned ${removed} run(s) older than ${this.options.runRetentionDays} days`);
    return removed;
  }
}
