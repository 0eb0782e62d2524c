import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../../config/scheduler-options';
import { DatabaseState } from '../../persistence/database-state.service';
import { ScheduleEntity } from '../../persistence/schedule.entity';
import { TaskRunEntity } from '../../persistence/task-run.entity';
import { TaskRunRepository } from '../../persistence/task-run.repository';
import { TaskRepository } from '../../persistence/task.repository';
import { ScheduleRepository } from '../../persistence/schedule.repository';
import { RUN_LEASE_MS } from '../cluster/leases';
import { InstanceIdentity } from '../cluster/instance-identity';
import { RunExecutor } from './run-executor.service';
import { Fire, runPolicyOf } from './run-policy';

/**
 * Fires the schedules that wait on a signal rather than the clock: `on:<event>` when the event
 * is published, `after:<taskId>` when a run of that task succeeds. Each fire is one run keyed
 * `(scheduleId, moment of the signal)`, so the same signal delivered twice runs once.
 *
 * Each fire is one step deeper than its cause (a run fired `after:X` is X's run depth + 1; an
 * event published at depth d fires runs of depth d + 1). `after:` cycles are refused when they
 * are scheduled, but `on:` loops cannot be seen statically (a handler may publish anything), so a
 * fire deeper than `SCHEDULER_MAX_CHAIN_DEPTH` is recorded `skipped` instead of run: that ends
 * any loop.
 */
/** Successes kept through a database outage for their `after:` followers, at most (the newest). */
const MAX_WAITING_SUCCESSES = 10_000;

@Injectable()
export class SignalDispatcher implements OnModuleInit {
  private readonly logger = new Logger(SignalDispatcher.name);
  /** Successes waiting for their `after:` lookup: one query per batch, never one per run. */
  private successes: Array<{ taskId: string; at: Date; depth: number }> = [];
  private chaining: Promise<void> | null = null;

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly tasks: TaskRepository,
    private readonly runs: TaskRunRepository,
    private readonly executor: RunExecutor,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Optional() private readonly database?: DatabaseState,
  ) {
    // Successes whose followers could not be looked up during an outage are chained on its end.
    database?.onRestored(() => {
      if (this.successes.length > 0) this.chaining ??= this.chainBatches();
    });
  }

  onModuleInit(): void {
    this.executor.onSuccess((fire, finishedAt) => {
      this.successes.push({ taskId: fire.task.id, at: finishedAt, depth: fire.chainDepth ?? 0 });
      this.chaining ??= this.chainBatches();
    });
  }

  /**
   * Runs every task scheduled `on:<name>`; returns the runs started (and those skipped as too
   * deep). `chainDepth` is the publisher's own depth (0: not published by a run).
   */
  async publish(name: string, payload: unknown, chainDepth = 0): Promise<TaskRunEntity[]> {
    const listening = await this.schedules.findListening('event', [name]);
    const event = { name, payload: payload ?? null };
    return this.fire(listening, 'event', this.clock.now(), event, chainDepth + 1);
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
          for (const { taskId, at, depth } of batch) {
            const waiting = listening.filter((schedule) => schedule.signal === taskId);
            if (waiting.length > 0) await this.fire(waiting, 'chain', at, null, depth + 1);
          }
        } catch (error) {
          if (this.database?.report(error)) {
            // Kept for the database's return; firing again is harmless (a follower's run is keyed
            // by its schedule and the success's moment, so one already inserted is not repeated).
            this.successes = [...batch, ...this.successes].slice(-MAX_WAITING_SUCCESSES);
            return;
          }
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
    chainDepth: number,
  ): Promise<TaskRunEntity[]> {
    if (listening.length === 0) return [];
    const tasks = new Map((await this.tasks.findByIds(listening.map((s) => s.taskId))).map((t) => [t.id, t]));
    const started: TaskRunEntity[] = [];
    for (const schedule of listening) {
      const task = tasks.get(schedule.taskId);
      if (!task) continue;
      // Claimed even when too deep: the skip is recorded on the run, in the task's history.
      const run = await this.claim(schedule, type, at, chainDepth);
      if (!run) continue;
      const fire = { run, task, policy: runPolicyOf(schedule), event, recorded: true, chainDepth };
      if (chainDepth > this.options.maxChainDepth) this.skipTooDeep(fire, run);
      else this.executor.launch(fire);
      started.push(run);
    }
    return started;
  }

  private skipTooDeep(fire: Fire, run: TaskRunEntity): void {
    const reason =
      `skipped: chain depth ${fire.chainDepth} exceeds SCHEDULER_MAX_CHAIN_DEPTH ` +
      `(${this.options.maxChainDepth}); is there an on:/after: loop?`;
    this.logger.warn(`Run ${run.id} of task ${run.taskId} ${reason}`);
    this.executor.skip(fire, reason);
    // The caller (an event's publisher) sees the run as it will be stored.
    Object.assign(run, { status: 'skipped', error: reason, startedAt: null, finishedAt: this.clock.now() });
  }

  private claim(
    schedule: ScheduleEntity,
    trigger: 'event' | 'chain',
    at: Date,
    chainDepth: number,
  ): Promise<TaskRunEntity | null> {
    return this.runs.insertRun(
      {
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        trigger,
        scheduledFor: at,
        attempt: 1,
        instanceId: this.identity.id,
        chainDepth,
      },
      RUN_LEASE_MS,
      'running',
    );
  }
}
