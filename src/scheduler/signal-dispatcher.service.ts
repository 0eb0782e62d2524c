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
      this.fire('chain', fire.task.id, finishedAt, null).catch((error: Error) =>
        this.logger.error(`Chaining after task ${fire.task.id} failed: ${error.message}`),
      );
    });
  }

  /** Runs every task scheduled `on:<name>`; returns the runs started. */
  publish(name: string, payload: unknown): Promise<TaskRunEntity[]> {
    return this.fire('event', name, this.clock.now(), { name, payload: payload ?? null });
  }

  private async fire(
    type: 'event' | 'chain',
    signal: string,
    at: Date,
    event: { name: string; payload: unknown } | null,
  ): Promise<TaskRunEntity[]> {
    const listening = await this.schedules.findListening(type, signal);
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
