import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { DEFAULT_SCHEDULER_OPTIONS } from '../config/scheduler-options';
import { SchedulerEventEmitter } from '../events/scheduler-event.emitter';
import type { TaskErrorEvent } from '../events/event-payloads';
import type { ScheduleEntity } from '../persistence/schedule.entity';
import type { ScheduleRepository } from '../persistence/schedule.repository';
import type { TaskRunEntity } from '../persistence/task-run.entity';
import type {
  ClaimedRun,
  FireClaim,
  RunClaimsRepository,
  ScheduleAdvance,
} from '../persistence/run-claims.repository';
import type { RunOutcome } from '../persistence/task-run.repository';
import type { TaskEntity } from '../persistence/task.entity';
import type { TaskRepository } from '../persistence/task.repository';
import { DUE_BATCH } from './claim-rounds';
import { FirePlanner, PLANNER_JOB } from './fire-planner.service';
import { HORIZON_MS, PRESTART_MS, TICK_MS, TICK_PHASE_MS } from './planner-timing';
import { WATERMARK_MARGIN_MS } from './start-recorder';
import { ClusterMembership } from './cluster-membership.service';
import { FireTimers } from './fire-timers';
import { InstanceIdentity } from './instance-identity';
import { RUN_LEASE_MS } from './leases';
import type { RunExecutor } from './run-executor.service';
import type { RunJournal } from './run-journal.service';
import { RunOutcomes } from './run-outcomes';
import type { Fire } from './run-policy';
import { triggerOfSchedule } from './trigger-cache';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = new Date('2027-01-01T00:00:00Z').getTime();
const iso = (ms: number) => new Date(ms).toISOString();
const fireName = (ms: number) => `scout:fire:${iso(ms)}`;

/** The database: schedules, tasks and runs, with the claim's unique key and version check. */
class Store {
  readonly schedules = new Map<string, ScheduleEntity>();
  readonly tasks = new Map<string, TaskEntity>();
  runs: TaskRunEntity[] = [];
  /** This instance's start watermark (`scheduler_instance.started_through`). */
  watermark: number | null = null;
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  insertRun(
    row: Pick<TaskRunEntity, 'taskId' | 'scheduleId' | 'scheduledFor' | 'status'> & Partial<TaskRunEntity>,
  ) {
    const run: TaskRunEntity = {
      id: `run-${++this.seq}`,
      trigger: 'schedule',
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      attempt: 1,
      error: null,
      result: null,
      instanceId: null,
      leaseUntil: null,
      createdAt: this.clock.now(),
      chainDepth: 0,
      ...row,
    };
    this.runs.push(run);
    return run;
  }

  runsOf(scheduleId: string): TaskRunEntity[] {
    return this.runs.filter((run) => run.scheduleId === scheduleId);
  }

  /** A pending claim whose planned start the watermark reached has started (one instance here). */
  startedByWatermark(run: TaskRunEntity): boolean {
    return (
      run.status === 'pending' &&
      run.startedAt !== null &&
      this.watermark !== null &&
      run.startedAt.getTime() <= this.watermark
    );
  }
}

class FakeScheduleRepository {
  constructor(private readonly store: Store) {}

  // One instance: it owns every schedule, so the backup window does not matter here.
  findDue(
    until: Date,
    _backupUntil: Date,
    _partition: unknown,
    limit: number,
  ): Promise<Array<ScheduleEntity & { owned: boolean }>> {
    return Promise.resolve(
      [...this.store.schedules.values()]
        .filter((s) => s.nextRunAt !== null && !s.paused && s.nextRunAt.getTime() <= until.getTime())
        .sort((a, b) => a.nextRunAt!.getTime() - b.nextRunAt!.getTime())
        .slice(0, limit)
        .map((s) => ({ ...s, owned: true })),
    );
  }

  findByIds(ids: string[]): Promise<ScheduleEntity[]> {
    return Promise.resolve(
      ids.flatMap((id) => (this.store.schedules.has(id) ? [{ ...this.store.schedules.get(id)! }] : [])),
    );
  }
}

class FakeTaskRepository {
  constructor(private readonly store: Store) {}

  findByIds(ids: string[]): Promise<TaskEntity[]> {
    return Promise.resolve(
      ids.flatMap((id) => (this.store.tasks.has(id) ? [this.store.tasks.get(id)!] : [])),
    );
  }
}

/** claimFires as the SQL does it: `JOIN schedule … version … NOT paused`, `ON CONFLICT DO NOTHING`. */
class FakeTaskRunRepository {
  /** Runs just before the claim: lets a test change the database under a tick in flight. */
  beforeClaim: (() => void) | null = null;
  /** Makes the next claim answer this much later (on the fake clock): a pass that takes long. */
  nextClaimDelayMs = 0;
  readonly claimCalls: Array<{ claims: FireClaim[]; advances: ScheduleAdvance[] }> = [];
  /** The ids of each run-by-run start (non-empty calls only). */
  readonly startCalls: string[][] = [];
  readonly watermarkCalls: number[] = [];
  readonly touchCalls: Array<Array<{ scheduleId: string; at: Date }>> = [];
  /** Answers the watermark write as the database does once its deadline has passed. */
  watermarkTooLate = false;
  /** How much later each of the next claims answers, in turn. */
  readonly claimDelaysMs: number[] = [];
  /** When each claim was sent (fake clock). */
  readonly claimTimes: number[] = [];
  /**
   * Holds the next claim in flight until `releaseClaim()`: the statement's rows are chosen at once
   * (its snapshot), and committed — made visible to other statements — either at once or only on
   * release.
   */
  holdNextClaim: 'committed' | 'uncommitted' | null = null;
  private held: { rows: TaskRunEntity[]; answer: () => void } | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Pending claims whose lease ran out go to the caller, as the SQL's SKIP LOCKED update does. */
  takeOverExpired(instanceId: string, now: Date, leaseMs: number): Promise<TaskRunEntity[]> {
    const expired = this.store.runs.filter(
      (run) =>
        run.status === 'pending' &&
        run.instanceId !== instanceId &&
        run.leaseUntil !== null &&
        run.leaseUntil.getTime() < now.getTime(),
    );
    for (const run of expired) {
      run.instanceId = instanceId;
      run.leaseUntil = new Date(now.getTime() + leaseMs);
    }
    return Promise.resolve(expired.map((run) => ({ ...run })));
  }

  /** The start recorded just before the instant, as the SQL's conditional UPDATE does. */
  startIfHeld(ids: string[], instanceId: string, startedAt: Date): Promise<Set<string>> {
    if (ids.length > 0) this.startCalls.push(ids);
    const held = this.store.runs.filter(
      (run) => ids.includes(run.id) && run.status === 'pending' && run.instanceId === instanceId,
    );
    for (const run of held) {
      run.status = 'running';
      run.startedAt = startedAt;
    }
    return Promise.resolve(new Set(held.map((run) => run.id)));
  }

  markStartedThrough(_instanceId: string, at: Date, deadline: Date): Promise<boolean> {
    if (this.watermarkTooLate || this.clock.nowMs() >= deadline.getTime()) return Promise.resolve(false);
    this.watermarkCalls.push(at.getTime());
    this.store.watermark = Math.max(this.store.watermark ?? 0, at.getTime());
    return Promise.resolve(true);
  }

  touchLastRun(starts: Array<{ scheduleId: string; at: Date }>): Promise<void> {
    this.touchCalls.push(starts);
    for (const { scheduleId, at } of starts) this.touch(scheduleId, at);
    return Promise.resolve();
  }

  private touch(scheduleId: string, at: Date | null): void {
    const schedule = this.store.schedules.get(scheduleId);
    if (schedule && at && (schedule.lastRunAt === null || schedule.lastRunAt < at)) schedule.lastRunAt = at;
  }

  stillHeld(ids: string[], instanceId: string): Promise<Set<string>> {
    return Promise.resolve(
      new Set(
        this.store.runs
          .filter((run) => ids.includes(run.id) && run.status === 'pending' && run.instanceId === instanceId)
          .map((run) => run.id),
      ),
    );
  }

  get claimInFlight(): boolean {
    return this.held !== null;
  }

  /** Commits the held claim (if not yet) and answers it. */
  releaseClaim(): void {
    const held = this.held!;
    this.held = null;
    for (const row of held.rows) if (!this.store.runs.includes(row)) this.store.runs.push(row);
    held.answer();
  }

  claimFires(
    claims: FireClaim[],
    advances: ScheduleAdvance[],
    instanceId: string,
    leaseMs: number,
  ): Promise<ClaimedRun[]> {
    this.beforeClaim?.();
    this.beforeClaim = null;
    const delayMs = this.claimDelaysMs.shift() ?? this.nextClaimDelayMs;
    this.nextClaimDelayMs = 0;
    this.claimCalls.push({ claims, advances });
    this.claimTimes.push(this.clock.nowMs());
    const before = this.store.runs.length;
    const claimed: ClaimedRun[] = [];
    for (const claim of claims) {
      const schedule = this.store.schedules.get(claim.scheduleId);
      if (!schedule || schedule.version !== claim.version || schedule.paused) continue;
      const taken = this.store.runs.some(
        (run) =>
          run.scheduleId === claim.scheduleId && run.scheduledFor.getTime() === claim.scheduledFor.getTime(),
      );
      if (taken) continue;
      const run = this.store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(claim.scheduledFor),
        status: claim.status,
        error: claim.error,
        finishedAt: claim.status === 'missed' ? this.clock.now() : null,
        instanceId,
        startedAt: claim.startAt,
        leaseUntil: claim.startAt ? new Date(claim.startAt.getTime() + leaseMs) : null,
      });
      const task = this.store.tasks.get(run.taskId);
      claimed.push({ ...run, task: task ? { ...task } : null });
    }
    for (const advance of advances) {
      const schedule = this.store.schedules.get(advance.scheduleId);
      if (
        schedule &&
        schedule.version === advance.version &&
        schedule.nextRunAt?.getTime() === advance.expectedNextRunAt.getTime()
      ) {
        schedule.nextRunAt = advance.nextRunAt;
        this.touch(schedule.id, advance.lastRunAt);
      }
    }
    const hold = this.holdNextClaim;
    this.holdNextClaim = null;
    if (hold) {
      const rows = this.store.runs.slice(before);
      if (hold === 'uncommitted') this.store.runs.length = before;
      return new Promise((resolve) => (this.held = { rows, answer: () => resolve(claimed) }));
    }
    return delayMs > 0
      ? new Promise((resolve) => setTimeout(() => resolve(claimed), delayMs))
      : Promise.resolve(claimed);
  }

  deleteClaims(ids: string[], instanceId: string): Promise<void> {
    this.store.runs = this.store.runs.filter(
      (run) => !(ids.includes(run.id) && run.status === 'pending' && run.instanceId === instanceId),
    );
    return Promise.resolve();
  }

  deletePendingOf(scheduleId: string): Promise<void> {
    this.store.runs = this.store.runs.filter(
      (run) =>
        !(run.scheduleId === scheduleId && run.status === 'pending' && !this.store.startedByWatermark(run)),
    );
    return Promise.resolve();
  }
}

class FakeExecutor {
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

class FakeJournal {
  readonly outcomes: RunOutcome[] = [];

  finished(outcome: RunOutcome): void {
    this.outcomes.push(outcome);
  }
}

describe('FirePlanner', () => {
  let clock: Clock;
  let store: Store;
  let runs: FakeTaskRunRepository;
  let executor: FakeExecutor;
  let journal: FakeJournal;
  let registry: SchedulerRegistry;
  let emitter: SchedulerEventEmitter;
  let errors: TaskErrorEvent[];
  let identity: InstanceIdentity;
  let planner: FirePlanner;
  let seq: number;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    clock = new Clock();
    store = new Store(clock);
    runs = new FakeTaskRunRepository(store, clock);
    executor = new FakeExecutor(clock);
    journal = new FakeJournal();
    registry = new SchedulerRegistry();
    emitter = new SchedulerEventEmitter();
    errors = [];
    emitter.subscribe((name, payload) => {
      if (name === 'task_error') errors.push(payload as TaskErrorEvent);
    });
    identity = new InstanceIdentity();
    seq = 0;
    planner = new FirePlanner(
      new FakeScheduleRepository(store) as unknown as ScheduleRepository,
      new FakeTaskRepository(store) as unknown as TaskRepository,
      runs as unknown as RunClaimsRepository,
      executor as unknown as RunExecutor,
      new RunOutcomes(journal as unknown as RunJournal, emitter, clock),
      new FireTimers(registry, clock),
      clock,
      identity,
      new ClusterMembership(identity),
      { ...DEFAULT_SCHEDULER_OPTIONS },
    );
  });

  afterEach(async () => {
    // A group whose start is being recorded still starts (within PRESTART_MS): stop waits for it.
    const stopped = planner.stop();
    await jest.advanceTimersByTimeAsync(PRESTART_MS);
    await stopped;
    jest.restoreAllMocks();
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  /** Stores a task and its schedule as ScheduleService does (nextRunAt: the trigger's first instant). */
  const addSchedule = (spec: string, overrides: Partial<ScheduleEntity> = {}): ScheduleEntity => {
    seq++;
    const task: TaskEntity = {
      id: `task-${seq}`,
      name: `Task ${seq}`,
      description: null,
      handler: 'noop',
      payload: { n: seq },
      createdAt: clock.now(),
      updatedAt: clock.now(),
    };
    store.tasks.set(task.id, task);
    const schedule: ScheduleEntity = {
      id: `schedule-${seq}`,
      taskId: task.id,
      spec,
      type: 'interval',
      timezone: 'UTC',
      signal: null,
      scheduledAt: clock.now(),
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
      createdAt: clock.now(),
      updatedAt: clock.now(),
      ...overrides,
    };
    const trigger = triggerOfSchedule(schedule);
    schedule.type = trigger.type;
    if (!('nextRunAt' in overrides)) schedule.nextRunAt = trigger.nextFireTime(null, clock.now());
    store.schedules.set(schedule.id, schedule);
    return schedule;
  };

  /** Starts planning and lets the first tick finish. */
  const start = async () => {
    planner.start();
    await jest.advanceTimersByTimeAsync(0);
  };
  const advanceTo = (offsetMs: number) => jest.advanceTimersByTimeAsync(T0 + offsetMs - clock.nowMs());
  /** One fire of each schedule was launched, all at exactly `atMs`. */
  const expectLaunchedTogether = (schedules: ScheduleEntity[], atMs: number) => {
    expect(executor.launches.map(({ fire }) => fire.run.scheduleId).sort()).toEqual(
      schedules.map((schedule) => schedule.id).sort(),
    );
    expect(executor.launches.every((launch) => launch.atMs === atMs)).toBe(true);
  };
  const fireTimeouts = () =>
    registry
      .getTimeouts()
      .filter((name) => name.startsWith('scout:fire:'))
      .sort();

  describe('a tick', () => {
    it('claims the fires due within the horizon and arms them under scout:fire:<ISO>', async () => {
      const schedule = addSchedule('every 1s');
      await start();

      expect(HORIZON_MS).toBe(2 * SECOND);
      // The periodic tick starts just after a whole second (TICK_PHASE_MS), once its fires have started.
      expect(registry.getIntervals()).toEqual([]);
      await advanceTo(TICK_PHASE_MS);
      expect(registry.getIntervals()).toEqual([PLANNER_JOB]);
      expect(store.runsOf(schedule.id).map((run) => [iso(run.scheduledFor.getTime()), run.status])).toEqual([
        [iso(T0 + SECOND), 'pending'],
        [iso(T0 + 2 * SECOND), 'pending'],
      ]);
      expect(store.runsOf(schedule.id).every((run) => run.instanceId === identity.id)).toBe(true);
      expect(fireTimeouts()).toEqual([fireName(T0 + SECOND), fireName(T0 + 2 * SECOND)]);
      expect(planner.armedCount).toBe(2);
      // next_run_at moved past what was claimed
      expect(store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date(T0 + 3 * SECOND));
      expect(executor.launches).toEqual([]);
    });

    it('shares one timeout between the fires of the same instant', async () => {
      const schedules = [addSchedule('every 1s'), addSchedule('every 1s'), addSchedule('every 1s')];
      await start();

      expect(planner.armedCount).toBe(6);
      expect(fireTimeouts()).toEqual([fireName(T0 + SECOND), fireName(T0 + 2 * SECOND)]);

      await advanceTo(SECOND);
      expectLaunchedTogether(schedules, T0 + SECOND);
    });

    it('reads a window busier than one round in several, in the same pass', async () => {
      const schedules = Array.from({ length: DUE_BATCH * 2 + 1 }, () => addSchedule('every 1s'));
      await start();

      expect(planner.passes).toBe(1);
      const claimed = store.runs.filter((run) => run.scheduledFor.getTime() === T0 + SECOND);
      expect(claimed).toHaveLength(schedules.length);
      expect(new Set(claimed.map((run) => run.scheduleId)).size).toBe(schedules.length);

      await advanceTo(SECOND);
      expectLaunchedTogether(schedules, T0 + SECOND);
    });

    it('arms nothing for a schedule further out than the horizon', async () => {
      const schedule = addSchedule('at:2027-02-10T00:00:00Z');
      addSchedule('every 1h');
      await start();
      await advanceTo(30 * SECOND);

      expect(store.runs).toEqual([]);
      expect(fireTimeouts()).toEqual([]);
      expect(store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date('2027-02-10T00:00:00Z'));
    });
  });

  describe('at the instant', () => {
    it('launches the claimed run, with its task and policy, at exactly the scheduled millisecond', async () => {
      const schedule = addSchedule('every 5s', {
        overlapPolicy: 'queue',
        timeoutSeconds: 30,
        maxRetries: 2,
        retryBackoffSeconds: 7,
      });
      await start();
      expect(store.runs).toEqual([]); // T0 + 5 s is beyond the horizon

      await advanceTo(5 * SECOND - PRESTART_MS - 1);
      const [run] = store.runsOf(schedule.id);
      expect(run.scheduledFor).toEqual(new Date(T0 + 5 * SECOND));
      expect(run.status).toBe('pending');
      expect(fireTimeouts()).toEqual([fireName(T0 + 5 * SECOND)]);

      // Just before the instant its start is recorded (the watermark reaches its planned start);
      // the handler starts at the instant.
      await advanceTo(5 * SECOND - 1);
      expect(executor.launches).toEqual([]);
      expect(store.watermark).toBe(T0 + 5 * SECOND);
      expect(store.runsOf(schedule.id)[0]).toMatchObject({
        status: 'pending',
        startedAt: new Date(T0 + 5 * SECOND),
      });
      expect(store.startedByWatermark(store.runsOf(schedule.id)[0])).toBe(true);

      await advanceTo(5 * SECOND);
      expect(executor.launches).toHaveLength(1);
      const { fire, atMs } = executor.launches[0];
      expect(atMs).toBe(T0 + 5 * SECOND);
      expect(fire).toEqual({
        run: expect.objectContaining({
          id: run.id,
          scheduleId: schedule.id,
          scheduledFor: new Date(T0 + 5 * SECOND),
        }),
        task: expect.objectContaining({ id: schedule.taskId, handler: 'noop', payload: { n: 1 } }),
        policy: { overlap: 'queue', timeoutMs: 30 * SECOND, maxRetries: 2, retryBackoffMs: 7 * SECOND },
        event: null,
        recorded: true,
      });
      // the timeout is gone from the registry once fired
      expect(fireTimeouts()).not.toContain(fireName(T0 + 5 * SECOND));
    });

    it('keeps firing: next_run_at advances and every following tick arms the next fire, each once, on time', async () => {
      const schedule = addSchedule('every 1s');
      await start();
      await advanceTo(10 * SECOND);

      expect(executor.timeline()).toEqual(
        Array.from({ length: 10 }, (_, k): [number, number] => [(k + 1) * SECOND, (k + 1) * SECOND]),
      );
      const runIds = executor.launches.map(({ fire }) => fire.run.id);
      expect(new Set(runIds).size).toBe(10);
      // one row per instant (the claim key), claimed up to the horizon
      const instants = store.runsOf(schedule.id).map((run) => run.scheduledFor.getTime());
      expect(new Set(instants).size).toBe(instants.length);
      // The last tick ran at 9 s + TICK_PHASE_MS (ticks are at TICK_PHASE_MS into each second).
      const claimedUntil = Math.floor((T0 + 9 * SECOND + TICK_PHASE_MS + HORIZON_MS) / SECOND) * SECOND;
      expect(Math.max(...instants)).toBe(claimedUntil);
      expect(store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date(claimedUntil + SECOND));
      expect(TICK_MS).toBeLessThan(HORIZON_MS);
    });

    it('a one-shot fires once and the schedule is then finished', async () => {
      const schedule = addSchedule('in:3s');
      await start();
      await advanceTo(MINUTE);

      expect(executor.timeline()).toEqual([[3 * SECOND, 3 * SECOND]]);
      expect(store.schedules.get(schedule.id)!.nextRunAt).toBeNull();
    });
  });

  describe('claims', () => {
    it('does not arm or launch a fire another instance already claimed', async () => {
      const schedule = addSchedule('every 1s');
      store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 + SECOND),
        status: 'pending',
        instanceId: 'other-instance',
      });
      await start();

      expect(fireTimeouts()).toEqual([fireName(T0 + 2 * SECOND)]);
      expect(planner.armedCount).toBe(1);
      await advanceTo(3 * SECOND);
      expect(executor.timeline()).toEqual([
        [2 * SECOND, 2 * SECOND],
        [3 * SECOND, 3 * SECOND],
      ]);
      expect(store.runsOf(schedule.id).filter((run) => run.scheduledFor.getTime() === T0 + SECOND)).toEqual([
        expect.objectContaining({ instanceId: 'other-instance' }),
      ]);
    });

    it('arms nothing when every fire of the window was claimed elsewhere', async () => {
      const schedule = addSchedule('every 1s');
      for (const offset of [SECOND, 2 * SECOND]) {
        store.insertRun({
          taskId: schedule.taskId,
          scheduleId: schedule.id,
          scheduledFor: new Date(T0 + offset),
          status: 'pending',
          instanceId: 'other-instance',
        });
      }
      await start();

      expect(planner.armedCount).toBe(0);
      expect(fireTimeouts()).toEqual([]);
      await advanceTo(2 * SECOND);
      expect(executor.launches).toEqual([]);
    });

    it('a stale schedule version (edited while the tick planned) claims nothing and does not move next_run_at', async () => {
      const schedule = addSchedule('every 1s');
      runs.beforeClaim = () => {
        store.schedules.get(schedule.id)!.version = 2;
      };
      await start();

      expect(runs.claimCalls[0].claims.map((claim) => claim.version)).toEqual([1, 1]);
      expect(store.runs).toEqual([]);
      expect(planner.armedCount).toBe(0);
      expect(fireTimeouts()).toEqual([]);
      expect(store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date(T0 + SECOND));

      // the next tick reads the new version and claims
      await advanceTo(TICK_MS);
      expect(store.runsOf(schedule.id).length).toBeGreaterThan(0);
    });

    it('a schedule paused while the tick planned claims nothing', async () => {
      const schedule = addSchedule('every 1s');
      runs.beforeClaim = () => {
        const stored = store.schedules.get(schedule.id)!;
        stored.paused = true;
        stored.version++;
      };
      await start();
      await advanceTo(5 * SECOND);

      expect(store.runs).toEqual([]);
      expect(executor.launches).toEqual([]);
    });
  });

  describe('the start watermark', () => {
    it("records a group's start with one watermark write, no run-by-run update, then launches at the instant", async () => {
      const schedules = [addSchedule('every 1s'), addSchedule('every 1s'), addSchedule('every 1s')];
      await start();

      await advanceTo(SECOND - PRESTART_MS + 1);
      expect(runs.watermarkCalls).toEqual([T0 + SECOND]);
      expect(runs.startCalls).toEqual([]);
      const group = store.runs.filter((run) => run.scheduledFor.getTime() === T0 + SECOND);
      expect(group).toHaveLength(3);
      expect(group.every((run) => run.status === 'pending' && store.startedByWatermark(run))).toBe(true);
      // the next second's claims are ahead of the watermark: not started
      const next = store.runs.filter((run) => run.scheduledFor.getTime() === T0 + 2 * SECOND);
      expect(next.some((run) => store.startedByWatermark(run))).toBe(false);

      await advanceTo(SECOND);
      expectLaunchedTogether(schedules, T0 + SECOND);
    });

    it('does not launch a claim deleted (paused elsewhere) or taken over after it was armed', async () => {
      const paused = addSchedule('every 1s');
      const taken = addSchedule('every 1s');
      const kept = addSchedule('every 1s');
      await start();
      // After the last tick's check, before the group's start: another instance paused one
      // schedule and took over the other's claim; this one has not heard yet.
      await advanceTo(SECOND - PRESTART_MS - 1);
      store.runs = store.runs.filter((run) => run.scheduleId !== paused.id);
      for (const run of store.runsOf(taken.id)) run.instanceId = 'someone-else';

      await advanceTo(SECOND);
      expect(runs.watermarkCalls).toEqual([T0 + SECOND]);
      expect(executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([kept.id]);
    });

    it('past the lease margin, falls back to recording each run (only those still held start)', async () => {
      const schedule = addSchedule('every 1s');
      const other = addSchedule('every 1s');
      await start();
      // after the last tick's check, before the group's start
      await advanceTo(SECOND - PRESTART_MS - 1);
      runs.watermarkTooLate = true;
      for (const run of store.runsOf(other.id)) run.instanceId = 'someone-else';

      await advanceTo(SECOND);
      expect(runs.watermarkCalls).toEqual([]);
      expect(runs.startCalls).toHaveLength(1);
      expect(runs.startCalls[0]).toHaveLength(2);
      expect(executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([schedule.id]);
      expect(store.runsOf(schedule.id)[0]).toMatchObject({
        status: 'running',
        startedAt: new Date(T0 + SECOND),
      });
      expect(WATERMARK_MARGIN_MS).toBeLessThan(RUN_LEASE_MS);
    });

    it('a run taken over from a dead instance is started run by run, never by the watermark', async () => {
      const schedule = addSchedule('every 1h');
      const run = store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 + SECOND),
        status: 'pending',
        instanceId: identity.id,
      });
      await start();
      await planner.armTakenOver([{ ...run }]);

      await advanceTo(SECOND);
      expect(runs.startCalls).toEqual([[run.id]]);
      expect(runs.watermarkCalls).toEqual([]);
      expect(executor.launches.map(({ fire }) => fire.run.id)).toEqual([run.id]);
    });

    it("moves the schedule's last run: with its next advance, or at the end of the pass when none is due", async () => {
      const often = addSchedule('every 1s');
      const minutely = addSchedule('every 1m');
      await start();

      await advanceTo(SECOND + TICK_PHASE_MS);
      const carried = runs.claimCalls.flatMap((call) => call.advances).filter((a) => a.lastRunAt !== null);
      expect(carried).toEqual([
        expect.objectContaining({ scheduleId: often.id, lastRunAt: new Date(T0 + SECOND) }),
      ]);
      expect(store.schedules.get(often.id)!.lastRunAt).toEqual(new Date(T0 + SECOND));
      expect(runs.touchCalls).toEqual([]);

      await advanceTo(MINUTE + TICK_PHASE_MS);
      expect(store.schedules.get(minutely.id)!.lastRunAt).toEqual(new Date(T0 + MINUTE));
      expect(runs.touchCalls.flat()).toEqual([{ scheduleId: minutely.id, at: new Date(T0 + MINUTE) }]);
    });

    it('leaves a start noted during a long pass to the next pass, not a write of its own', async () => {
      const often = addSchedule('every 1s');
      const minutely = addSchedule('every 1m');
      await start();
      await advanceTo(MINUTE - SECOND + TICK_PHASE_MS - 1);
      runs.touchCalls.length = 0;

      // The pass at 59.1 s takes 900 ms: the minute's group starts (and is noted) at 59.8 s, inside it.
      runs.nextClaimDelayMs = 900;
      await advanceTo(MINUTE);
      expect(executor.launches.some(({ fire }) => fire.run.scheduleId === minutely.id)).toBe(true);
      expect(runs.touchCalls).toEqual([]);
      expect(store.schedules.get(minutely.id)!.lastRunAt).toBeNull();

      // The next pass writes it; the every-second schedule's starts go with its advances.
      await advanceTo(MINUTE + TICK_PHASE_MS);
      expect(runs.touchCalls.flat()).toEqual([{ scheduleId: minutely.id, at: new Date(T0 + MINUTE) }]);
      expect(store.schedules.get(often.id)!.lastRunAt).toEqual(new Date(T0 + MINUTE));
    });

    it('writes the last runs still unwritten when it stops', async () => {
      const minutely = addSchedule('every 1m');
      await start();
      await advanceTo(MINUTE + 1);
      expect(store.schedules.get(minutely.id)!.lastRunAt).toBeNull();

      await planner.stop();
      expect(store.schedules.get(minutely.id)!.lastRunAt).toEqual(new Date(T0 + MINUTE));
    });
  });

  describe('disarmSchedule', () => {
    it('removes the armed fires of that schedule (nothing launched) and deletes its pending claims', async () => {
      const gone = addSchedule('every 1s');
      const kept = addSchedule('every 1s');
      await start();
      expect(planner.armedCount).toBe(4);

      // as ScheduleService.pause does: bump the version, then disarm
      Object.assign(store.schedules.get(gone.id)!, { paused: true, version: 2 });
      await planner.disarmSchedule(gone.id);

      expect(planner.armedCount).toBe(2);
      expect(store.runsOf(gone.id)).toEqual([]);
      expect(executor.cancelled).toEqual([gone.id]);
      // the shared timeouts stay: the other schedule's fires are in them
      expect(fireTimeouts()).toEqual([fireName(T0 + SECOND), fireName(T0 + 2 * SECOND)]);

      await advanceTo(3 * SECOND);
      expect(executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([kept.id, kept.id, kept.id]);
    });

    it('removes the timeouts from the registry when no other fire shares them', async () => {
      const schedule = addSchedule('every 1s');
      await start();
      expect(fireTimeouts()).toHaveLength(2);

      Object.assign(store.schedules.get(schedule.id)!, { paused: true, version: 2 });
      await planner.disarmSchedule(schedule.id);
      expect(fireTimeouts()).toEqual([]);
      expect(planner.armedCount).toBe(0);

      await advanceTo(5 * SECOND);
      expect(executor.launches).toEqual([]);
    });

    describe.each([
      ['paused', (schedule: ScheduleEntity) => Object.assign(schedule, { paused: true, version: 2 })],
      ['cancelled', (schedule: ScheduleEntity) => store.schedules.delete(schedule.id)],
    ] as const)('a schedule %s while a planning pass is in flight', (_change, change) => {
      it.each(['committed', 'uncommitted'] as const)(
        'completes without waiting for the pass, and none of its fires that pass claimed (%s before the delete) starts',
        async (commit) => {
          const stopped = addSchedule('every 1s');
          const kept = addSchedule('every 1s');
          runs.holdNextClaim = commit;
          planner.start();
          await jest.advanceTimersByTimeAsync(0);
          expect(runs.claimInFlight).toBe(true);

          // as ScheduleService does: store the change, then disarm
          change(store.schedules.get(stopped.id)!);
          let done = false;
          void planner.disarmSchedule(stopped.id).then(() => (done = true));
          await jest.advanceTimersByTimeAsync(0);
          expect(done).toBe(true);
          expect(runs.claimInFlight).toBe(true);

          runs.releaseClaim();
          await jest.advanceTimersByTimeAsync(0);
          // its claims are gone from the database, not only from memory
          expect(store.runsOf(stopped.id)).toEqual([]);
          expect(planner.armedCount).toBe(2);

          await advanceTo(3 * SECOND);
          expect(executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([
            kept.id,
            kept.id,
            kept.id,
          ]);
        },
      );
    });

    it("told by another instance (deletePending false): drops the armed fires and deletes only this instance's claims of them", async () => {
      const schedule = addSchedule('every 1s');
      await start();
      const claimed = store.runsOf(schedule.id).map((run) => run.id);
      expect(claimed).toHaveLength(2);
      const foreign = store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 + 5 * SECOND),
        status: 'pending',
        instanceId: 'someone-else',
      });

      await planner.disarmSchedule(schedule.id, { deletePending: false });
      expect(planner.armedCount).toBe(0);
      expect(store.runsOf(schedule.id)).toEqual([foreign]);
    });

    it('keeps claims that already ran or were recorded', async () => {
      const schedule = addSchedule('every 1s');
      const done = store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 - MINUTE),
        status: 'succeeded',
      });
      await start();
      await planner.disarmSchedule(schedule.id);

      expect(store.runsOf(schedule.id)).toEqual([done]);
    });
  });

  describe('pacing', () => {
    it('a pass that overran its second is followed at once by the next, then the ticks are back on phase', async () => {
      addSchedule('every 1s');
      await start();
      await advanceTo(SECOND + TICK_PHASE_MS - 1);
      runs.claimTimes.length = 0;

      // The pass at 1.1 s takes 1.5 s: the tick at 2.1 s finds it in flight.
      runs.nextClaimDelayMs = 1_500;
      await advanceTo(4 * SECOND + TICK_PHASE_MS);
      // 1.1 s claims 3 s (its horizon ends at 3.1 s), 2.6 s claims 4 s, and the ticks are back on phase.
      expect(runs.claimTimes.map((ms) => ms - T0)).toEqual([
        SECOND + TICK_PHASE_MS,
        2 * SECOND + 600,
        3 * SECOND + TICK_PHASE_MS,
        4 * SECOND + TICK_PHASE_MS,
      ]);
      expect(
        runs.claimCalls
          .slice(-4)
          .map((call) => call.claims.map((claim) => claim.scheduledFor.getTime() - T0)),
      ).toEqual([[3 * SECOND], [4 * SECOND], [5 * SECOND], [6 * SECOND]]);
      expect(executor.timeline().map(([scheduled]) => scheduled)).toEqual(
        [1, 2, 3, 4].map((n) => n * SECOND),
      );
    });

    it('a pass that has run for a second hands over to the next, which goes on at once', async () => {
      const schedules = Array.from({ length: DUE_BATCH + 1 }, () => addSchedule('every 1s'));
      await start();
      await advanceTo(SECOND + TICK_PHASE_MS - 1);
      const passes = planner.passes;

      // The first round's claim answers 1.2 s later (at 2.3 s): the pass ends there, completed,
      // and the next one's first claim takes 300 ms more.
      runs.claimDelaysMs.push(1_200, 300);
      await advanceTo(2 * SECOND + 301);
      expect(planner.passes).toBe(passes + 1);

      // The next pass claimed the schedule the first one had no round left for, in time.
      await advanceTo(3 * SECOND);
      const atThree = executor.launches.filter(
        ({ fire }) => fire.run.scheduledFor.getTime() === T0 + 3 * SECOND,
      );
      expect(atThree.map(({ fire }) => fire.run.scheduleId).sort()).toEqual(
        schedules.map((s) => s.id).sort(),
      );
      expect(atThree.every(({ atMs }) => atMs === T0 + 3 * SECOND)).toBe(true);
    });

    it('a plan asked for during a pass (a schedule created) runs once more right after it', async () => {
      await start();
      await advanceTo(TICK_PHASE_MS - 1);
      runs.claimTimes.length = 0;

      runs.nextClaimDelayMs = 300;
      const first = addSchedule('every 1s');
      await advanceTo(TICK_PHASE_MS + 100);
      const created = addSchedule('every 1s');
      void planner.tick();
      void planner.tick();
      await advanceTo(TICK_PHASE_MS + 300);

      expect(runs.claimTimes.map((ms) => ms - T0)).toEqual([TICK_PHASE_MS, TICK_PHASE_MS + 300]);
      expect(store.runsOf(first.id)).toHaveLength(2);
      expect(store.runsOf(created.id)).toHaveLength(2);
    });
  });

  describe('jitter', () => {
    it('launches each fire within [scheduledFor, scheduledFor + jitterSeconds)', async () => {
      for (let n = 0; n < 10; n++) addSchedule('every 2s', { jitterSeconds: 3 });
      await start();
      await advanceTo(30 * SECOND);

      const offsets = executor.timeline().map(([scheduled, launched]) => launched - scheduled);
      expect(offsets.length).toBeGreaterThanOrEqual(100);
      for (const offset of offsets) {
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(3 * SECOND);
      }
      // it does spread them
      expect(new Set(offsets).size).toBeGreaterThan(20);
      expect(Math.max(...offsets)).toBeGreaterThan(SECOND);
    });

    it('the extremes: random 0 fires on the instant, random → 1 fires just before instant + jitter', async () => {
      const random = jest.spyOn(Math, 'random');
      random.mockReturnValue(0);
      const early = addSchedule('in:10s', { jitterSeconds: 5 });
      await start();
      await advanceTo(9 * SECOND);
      random.mockReturnValue(0.999999999);
      const late = addSchedule('in:10s', { jitterSeconds: 5 }); // scheduled at T0 + 9 s: fires at T0 + 19 s
      await advanceTo(MINUTE);

      const byId = new Map(executor.launches.map(({ fire, atMs }) => [fire.run.scheduleId, atMs - T0]));
      expect(byId.get(early.id)).toBe(10 * SECOND);
      expect(byId.get(late.id)).toBe(19 * SECOND + 5 * SECOND - 1);
      expect(registry.getTimeouts().filter((name) => name.startsWith('scout:fire:'))).toEqual([]);
    });
  });

  describe('misfires after downtime', () => {
    // every 10 s on the half second; the schedule's last claimed instant was 5 min ago
    const downtime = (policy: ScheduleEntity['misfirePolicy']) =>
      addSchedule('every 10s', {
        misfirePolicy: policy,
        misfireGraceSeconds: 60,
        scheduledAt: new Date(T0 - 5 * MINUTE + 500 - 10 * SECOND),
        nextRunAt: new Date(T0 - 5 * MINUTE + 500),
      });
    const missedInstants = Array.from({ length: 30 }, (_, k) => -5 * MINUTE + 500 + k * 10 * SECOND);

    it('run_once: records the older instants missed (task_error, status missed) and runs the latest once', async () => {
      const schedule = downtime('run_once');
      await start();

      const missed = store.runsOf(schedule.id).filter((run) => run.status === 'missed');
      expect(missed.map((run) => run.scheduledFor.getTime() - T0)).toEqual(missedInstants.slice(0, -1));
      expect(errors).toHaveLength(29);
      expect(errors.map((event) => event.runId)).toEqual(missed.map((run) => run.id));
      for (const event of errors) {
        expect(event).toEqual({
          taskId: schedule.taskId,
          runId: expect.any(String),
          status: 'missed',
          error: expect.stringContaining('missed'),
          finishedAt: iso(T0),
        });
      }
      // the catch-up's claim records its start as now (when it was planned), not its instant
      const catchUp = store.runsOf(schedule.id).find((run) => run.status !== 'missed')!;
      expect(catchUp.scheduledFor).toEqual(new Date(T0 - 9_500));
      expect(catchUp.startedAt).toEqual(new Date(T0));
      // the catch-up for 9.5 s ago runs straight away; the next instant on time
      await advanceTo(SECOND);
      expect(executor.timeline()).toEqual([
        [-9_500, 0],
        [500, 500],
      ]);
      expect(store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date(T0 + 10_500));
    });

    it('skip: every missed instant is recorded missed, none runs', async () => {
      const schedule = downtime('skip');
      await start();
      await advanceTo(SECOND);

      expect(errors.map((event) => event.status)).toEqual(Array(30).fill('missed'));
      expect(store.runsOf(schedule.id).filter((run) => run.status === 'missed')).toHaveLength(30);
      expect(executor.timeline()).toEqual([[500, 500]]);
    });

    it('run_all: every missed instant runs now, oldest first', async () => {
      downtime('run_all');
      await start();
      await advanceTo(SECOND);

      expect(errors).toEqual([]);
      expect(executor.timeline()).toEqual([
        ...missedInstants.map((at): [number, number] => [at, 0]),
        [500, 500],
      ]);
    });

    it('a one-shot whose instant passed beyond the grace period is recorded missed and the schedule ends', async () => {
      const schedule = addSchedule('at:2026-12-31T23:50:00Z', { scheduledAt: new Date(T0 - 60 * MINUTE) });
      await start();
      await advanceTo(5 * SECOND);

      expect(errors).toEqual([expect.objectContaining({ taskId: schedule.taskId, status: 'missed' })]);
      expect(executor.launches).toEqual([]);
      expect(store.schedules.get(schedule.id)!.nextRunAt).toBeNull();
    });
  });

  describe('armTakenOver', () => {
    const takenOver = (schedule: ScheduleEntity, offsetMs: number, extra: Partial<TaskRunEntity> = {}) => ({
      ...store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 + offsetMs),
        status: 'pending',
        instanceId: identity.id,
        ...extra,
      }),
    });

    it('arms a future pending run for its instant and records a too-late one as missed', async () => {
      const schedule = addSchedule('every 1h');
      const tooLate = takenOver(schedule, -10 * MINUTE);
      const future = takenOver(schedule, 30 * SECOND);

      await planner.armTakenOver([tooLate, future]);

      expect(journal.outcomes).toEqual([
        {
          id: tooLate.id,
          status: 'missed',
          startedAt: null,
          finishedAt: new Date(T0),
          durationMs: null,
          error: expect.stringContaining('missed'),
          result: null,
        },
      ]);
      expect(errors).toEqual([
        {
          taskId: schedule.taskId,
          runId: tooLate.id,
          status: 'missed',
          error: expect.stringContaining('missed'),
          finishedAt: iso(T0),
        },
      ]);
      expect(fireTimeouts()).toEqual([fireName(T0 + 30 * SECOND)]);

      await advanceTo(30 * SECOND - 1);
      expect(executor.launches).toEqual([]);
      await advanceTo(30 * SECOND);
      expect(executor.launches.map(({ fire, atMs }) => [fire.run.id, atMs - T0])).toEqual([
        [future.id, 30 * SECOND],
      ]);
      await advanceTo(2 * MINUTE);
      expect(executor.launches).toHaveLength(1);
    });

    it('runs a late one within the grace period straight away; of several late ones only the latest (run_once)', async () => {
      const schedule = addSchedule('every 1h');
      const older = takenOver(schedule, -50 * SECOND);
      const latest = takenOver(schedule, -20 * SECOND);

      await planner.armTakenOver([older, latest]);
      await jest.advanceTimersByTimeAsync(0);

      expect(executor.launches.map(({ fire, atMs }) => [fire.run.id, atMs])).toEqual([[latest.id, T0]]);
      expect(journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([[older.id, 'missed']]);
      // its start is recorded as when it really started, not its instant
      expect(store.runs.find((run) => run.id === latest.id)).toMatchObject({
        status: 'running',
        startedAt: new Date(T0),
      });
    });

    it('records a late one missed when the planner makes the schedule its own catch-up run (run_once)', async () => {
      // the schedule itself fell behind: the planner's latest missed instant is the one catch-up
      const schedule = addSchedule('every 1h', { nextRunAt: new Date(T0 - 30 * MINUTE) });
      const late = takenOver(schedule, -20 * SECOND);

      await planner.armTakenOver([late]);
      await jest.advanceTimersByTimeAsync(0);

      expect(executor.launches).toEqual([]);
      expect(journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([[late.id, 'missed']]);
    });

    it('records missed a run whose task or schedule was deleted', async () => {
      const schedule = addSchedule('every 1h');
      const orphan = takenOver(schedule, 10 * SECOND);
      store.schedules.delete(schedule.id);
      const taskless = addSchedule('every 1h');
      const noTask = takenOver(taskless, 10 * SECOND);
      store.tasks.delete(taskless.taskId);

      await planner.armTakenOver([orphan, noTask]);
      await advanceTo(MINUTE);

      expect(executor.launches).toEqual([]);
      expect(journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
        [orphan.id, 'missed'],
        [noTask.id, 'missed'],
      ]);
      for (const outcome of journal.outcomes) expect(outcome.error).toContain('deleted');
    });

    it('arms a run without a schedule (a manual run left pending) with the default policy', async () => {
      const schedule = addSchedule('every 1h');
      const manual = { ...takenOver(schedule, 5 * SECOND, { scheduleId: null, trigger: 'manual' }) };

      await planner.armTakenOver([manual]);
      await advanceTo(5 * SECOND);

      expect(executor.launches).toHaveLength(1);
      expect(executor.launches[0].fire.run.id).toBe(manual.id);
      expect(executor.launches[0].fire.policy).toEqual({
        overlap: 'allow',
        timeoutMs: null,
        maxRetries: 0,
        retryBackoffMs: 10 * SECOND,
      });
    });
  });

  describe('stop', () => {
    it('removes the planner job and every armed fire from the registry; nothing fires afterwards', async () => {
      addSchedule('every 1s');
      await start();
      expect(fireTimeouts()).toHaveLength(2);

      await planner.stop();
      expect(registry.getIntervals()).toEqual([]);
      expect(registry.getTimeouts()).toEqual([]);
      expect(planner.armedCount).toBe(0);

      const claimed = store.runs.length;
      await advanceTo(10 * SECOND);
      expect(executor.launches).toEqual([]);
      expect(store.runs).toHaveLength(claimed);
    });

    it('lets a group whose start is being recorded start at its instant before it returns', async () => {
      const schedule = addSchedule('every 1s');
      await start();
      await advanceTo(SECOND - PRESTART_MS + 1); // the group's watermark is written
      expect(runs.watermarkCalls).toEqual([T0 + SECOND]);

      let stopped = false;
      const stopping = planner.stop().then(() => (stopped = true));
      await advanceTo(SECOND - 1);
      expect(stopped).toBe(false);
      await advanceTo(SECOND);
      await stopping;
      expect(executor.launches.map(({ fire, atMs }) => [fire.run.scheduleId, atMs])).toEqual([
        [schedule.id, T0 + SECOND],
      ]);
      await advanceTo(10 * SECOND);
      expect(executor.launches).toHaveLength(1);
    });
  });
});
