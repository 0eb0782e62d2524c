import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ScheduleEntity } from '../persistence/schedule.entity';
import { TaskRunEntity } from '../persistence/task-run.entity';
import { TaskRunRepository } from '../persistence/task-run.repository';
import { TaskRepository } from '../persistence/task.repository';
import { ScheduleRepository } from '../persistence/schedule.repository';
import { RUN_LEASE_MS } from './leases';
import { InstanceIdentity } from './instance-identity';
import { RunExecutor } from './run-executor.service';
import { runPolicyOf } from './run-policy';

/**
 * Fires the schedules that wait on a signal rather than the clock: `on:<event>` when the event
 * is published, `after:<taskId>` when a run of that task succeeds. Each fire is one run keyed
 * `(scheduleId, moment of the signal)`, so the same signal delivered twice runs once.
 */
@Injectable()
export class SignalDispatcher implements OnModuleInit {
  private readonly logger = new Logger(SignalDispatcher.name);
  /** Successes waiting for their `after:` lookup: one query per batch, never one per run. */
  private successes: Array<{ taskId: string; at: Date }> = [];
  private chaining: Promise<void> | null = null;

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly tasks: TaskRepository,
    private readonly runs: TaskRunRepository,
    private readonly executor: RunExecutor,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
  ) {}

  onModuleInit(): void {
    this.executor.onSuccess((fire, finishedAt) => {
      this.successes.push({ taskId: fire.task.id, at: finishedAt });
      this.chaining ??= this.chainBatches();
    });
  }

  /** Runs every task scheduled `on:<name>`; returns the runs started. */
  async publish(name: string, payload: unknown): Promise<TaskRunEntity[]> {
    const listening = await this.schedules.findListening('event', [name]);
    return this.fire(listening, 'event', this.clock.now(), { name, payload: payload ?? null });
  }

  /**
   * One lookup at a time for all successes gathered meanwhile: at thousands of runs a second
   * the database sees a query per batch, and the runs' completion never waits on it.
   */
  private async chainBatches(): Promise<void> {
    // Let the successes of the same moment (a whole group of fires) join one batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.successes.length > 0) {
        const batch = this.successes;
        this.successes = [];
        try {
          const listening = await this.schedules.findListening('chain', [
            ...new Set(batch.map((success) => success.taskId)),
          ]);
          for (const { taskId, at } of batch) {
            const waiting = listening.filter((schedule) => schedule.signal === taskId);
            if (waiting.length > 0) await this.fire(waiting, 'chain', at, null);
          }
        } catch (error) {
          this.logger.error(`Chaining after ${batch.length} run(s) failed: ${(error as Error).message}`);
        }
      }
    } finally {
      this.chaining = null;
    }
  }

  private async fire(
    listening: ScheduleEntity[],
    type: 'event' | 'chain',
    at: Date,
    event: { name: string; payload: unknown } | null,
  ): Promise<TaskRunEntity[]> {
    if (listening.length === 0) return [];
    const tasks = new Map((await this.tasks.findByIds(listening.map((s) => s.taskId))).map((t) => [t.id, t]));
    const started: TaskRunEntity[] = [];
    for (const schedule of listening) {
      const task = tasks.get(schedule.taskId);
      if (!task) continue;
      const run = await this.claim(schedule, type, at);
      if (!run) continue;
      this.executor.launch({ run, task, policy: runPolicyOf(schedule), event, recorded: true });
      started.push(run);
    }
    return started;
  }

  private claim(
    schedule: ScheduleEntity,
    trigger: 'event' | 'chain',
    at: Date,
  ): Promise<TaskRunEntity | null> {
    return this.runs.insertRun(
      {
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        trigger,
        scheduledFor: at,
        attempt: 1,
        instanceId: this.identity.id,
      },
      RUN_LEASE_MS,
      'running',
    );
  }
}
