import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../../common/clock';
import { DEFAULT_SCHEDULER_OPTIONS } from '../../config/scheduler-options';
import type { TaskErrorEvent } from '../../events/event-payloads';
import { SchedulerEventEmitter } from '../../events/scheduler-event.emitter';
import type { DatabaseState } from '../../persistence/database-state.service';
import type { RunClaimsRepository } from '../../persistence/run-claims.repository';
import type { ScheduleEntity } from '../../persistence/schedule.entity';
import type { ScheduleRepository } from '../../persistence/schedule.repository';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import type { TaskEntity } from '../../persistence/task.entity';
import type { TaskRepository } from '../../persistence/task.repository';
import { ClusterMembership } from '../cluster/cluster-membership.service';
import { FirePlanner } from './fire-planner.service';
import { FireTimers } from '../fire-timers';
import { InstanceIdentity } from '../cluster/instance-identity';
import {
  FakeDatabaseState,
  FakeJournal,
  FakeRunClaims,
  FakeScheduleRepository,
  FakeTaskRepository,
  Store,
} from './planner-fakes.test-helper';
import { PRESTART_MS } from './planner-timing';
import type { RunExecutor } from '../runner/run-executor.service';
import type { RunJournal } from '../runner/run-journal.service';
import { RunOutcomes } from '../runner/run-outcomes';
import type { Fire } from '../runner/run-policy';
import { triggerOfSchedule } from './trigger-cache';

/** The planner wired to in-memory fakes on the fake clock: what the planner's specs share. */

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const T0 = new Date('2027-01-01T00:00:00Z').getTime();
export const iso = (ms: number) => new Date(ms).toISOString();
export const fireName = (ms: number) => `scout:fire:${iso(ms)}`;

export class FakeExecutor {
  readonly launches: Array<{ fire: Fire; atMs: number }> = [];
  readonly cancelled: string[] = [];

  constructor(private readonly clock: Clock) {}

  launch(fire: Fire): void {
    this.launches.push({ fire, atMs: this.clock.nowMs() });
  }

  cancelRetries(scheduleId: string): void {
    this.cancelled.push(scheduleId);
  }

  /** [scheduledFor, launched at] of each launch, as offsets from T0. */
  timeline(): Array<[number, number]> {
    return this.launches.map(({ fire, atMs }) => [fire.run.scheduledFor.getTime() - T0, atMs - T0]);
  }
}

/** The world a planner spec runs in; `reset()` (before each test) builds a fresh one at T0. */
export class PlannerWorld {
  clock: Clock;
  store: Store;
  runs: FakeRunClaims;
  executor: FakeExecutor;
  journal: FakeJournal;
  registry: SchedulerRegistry;
  database: FakeDatabaseState;
  errors: TaskErrorEvent[];
  identity: InstanceIdentity;
  planner: FirePlanner;
  private seq = 0;

  reset(): void {
    jest.useFakeTimers({ now: T0 });
    this.clock = new Clock();
    this.store = new Store(this.clock);
    this.runs = new FakeRunClaims(this.store, this.clock);
    this.executor = new FakeExecutor(this.clock);
    this.journal = new FakeJournal();
    this.registry = new SchedulerRegistry();
    this.database = new FakeDatabaseState();
    const emitter = new SchedulerEventEmitter();
    const errors: TaskErrorEvent[] = [];
    this.errors = errors;
    emitter.subscribe((name, payload) => {
      if (name === 'task_error') errors.push(payload as TaskErrorEvent);
    });
    this.identity = new InstanceIdentity();
    this.seq = 0;
    this.planner = new FirePlanner(
      new FakeScheduleRepository(this.store) as unknown as ScheduleRepository,
      new FakeTaskRepository(this.store) as unknown as TaskRepository,
      this.runs as unknown as RunClaimsRepository,
      this.executor as unknown as RunExecutor,
      new RunOutcomes(this.journal as unknown as RunJournal, emitter, this.clock),
      new FireTimers(this.registry, this.clock),
      this.clock,
      this.identity,
      new ClusterMembership(this.identity),
      { ...DEFAULT_SCHEDULER_OPTIONS },
      this.database as unknown as DatabaseState,
    );
  }

  async tearDown(): Promise<void> {
    // A group whose start is being recorded still starts (within PRESTART_MS): stop waits for it.
    const stopped = this.planner.stop();
    await jest.advanceTimersByTimeAsync(PRESTART_MS);
    await stopped;
    jest.restoreAllMocks();
    jest.clearAllTimers();
    jest.useRealTimers();
  }

  /** Stores a task and its schedule as ScheduleService does (nextRunAt: the trigger's first instant). */
  addSchedule(spec: string, overrides: Partial<ScheduleEntity> = {}): ScheduleEntity {
    const n = ++this.seq;
    const task: TaskEntity = {
      id: `task-${n}`,
      name: `Task ${n}`,
      description: null,
      handler: 'noop',
      payload: { n },
      createdAt: this.clock.now(),
      updatedAt: this.clock.now(),
    };
    this.store.tasks.set(task.id, task);
    const schedule: ScheduleEntity = {
      id: `schedule-${n}`,
      taskId: task.id,
      spec,
      text: null,
      type: 'interval',
      timezone: 'UTC',
      signal: null,
      scheduledAt: this.clock.now(),
      startAt: null,
      endAt: null,
      nextRunAt: null,
      lastRunAt: null,
      paused: false,
      misfirePolicy: 'run_once',
      misfireGraceSeconds: 60,
      overlapPolicy: 'skip',
      timeoutSeconds: null,
      maxRetries: 0,
      retryBackoffSeconds: 10,
      jitterSeconds: 0,
      version: 1,
      createdAt: this.clock.now(),
      updatedAt: this.clock.now(),
      ...overrides,
    };
    const trigger = triggerOfSchedule(schedule);
    schedule.type = trigger.type;
    if (!('nextRunAt' in overrides)) schedule.nextRunAt = trigger.nextFireTime(null, this.clock.now());
    this.store.schedules.set(schedule.id, schedule);
    return schedule;
  }

  /** Starts planning and lets the first tick finish. */
  async start(): Promise<void> {
    this.planner.start();
    await jest.advanceTimersByTimeAsync(0);
  }

  advanceTo(offsetMs: number): Promise<void> {
    return jest.advanceTimersByTimeAsync(T0 + offsetMs - this.clock.nowMs());
  }

  /** One fire of each schedule was launched, all at exactly `atMs`. */
  expectLaunchedTogether(schedules: ScheduleEntity[], atMs: number): void {
    expect(this.executor.launches.map(({ fire }) => fire.run.scheduleId).sort()).toEqual(
      schedules.map((schedule) => schedule.id).sort(),
    );
    expect(this.executor.launches.every((launch) => launch.atMs === atMs)).toBe(true);
  }

  /** The group timers armed (sorted by name, i.e. by instant). */
  fireTimeouts(): string[] {
    return this.registry
      .getTimeouts()
      .filter((name) => name.startsWith('scout:fire:'))
      .sort();
  }

  /** A pending claim of this instance's, as one left behind or taken over. */
  insertClaim(schedule: ScheduleEntity, offsetMs: number, extra: Partial<TaskRunEntity> = {}): TaskRunEntity {
    return this.store.insertRun({
      taskId: schedule.taskId,
      scheduleId: schedule.id,
      scheduledFor: new Date(T0 + offsetMs),
      status: 'pending',
      instanceId: this.identity.id,
      ...extra,
    });
  }
}

/** Registers the hooks of a planner spec: a fresh world before each test, the planner stopped after. */
export function plannerWorld(): PlannerWorld {
  const world = new PlannerWorld();
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  beforeEach(() => world.reset());
  afterEach(() => world.tearDown());
  return world;
}
