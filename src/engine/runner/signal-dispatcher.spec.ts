import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DEFAULT_SCHEDULER_OPTIONS } from '../../config/scheduler-options';
import type { DatabaseState } from '../../persistence/database-state.service';
import type { ScheduleEntity } from '../../persistence/schedule.entity';
import type { ScheduleRepository } from '../../persistence/schedule.repository';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import type { NewRun, TaskRunRepository } from '../../persistence/task-run.repository';
import type { TaskEntity } from '../../persistence/task.entity';
import type { TaskRepository } from '../../persistence/task.repository';
import type { InstanceIdentity } from '../cluster/instance-identity';
import type { RunExecutor } from './run-executor.service';
import type { Fire } from './run-policy';
import { SignalDispatcher } from './signal-dispatcher.service';

const PARENT_A = 'task-a';
const PARENT_B = 'task-b';
const CHILD = 'task-child';
const at = (seconds: number) => new Date(Date.UTC(2027, 0, 1, 0, 0, seconds));

/** Lets the dispatcher's batch (queued behind setImmediate) and its awaits run to the end. */
const settle = async () => {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
};

/** `after:<parent>` for the child task. */
const chainSchedule = (parentTaskId: string): ScheduleEntity =>
  ({
    id: `schedule-after-${parentTaskId}`,
    taskId: CHILD,
    spec: `after:${parentTaskId}`,
    type: 'chain',
    signal: parentTaskId,
    overlapPolicy: 'allow',
    timeoutSeconds: null,
    maxRetries: 0,
    retryBackoffSeconds: 10,
  }) as ScheduleEntity;

class FakeSchedules {
  readonly lookups: Array<{ type: string; signals: string[] }> = [];
  listening: ScheduleEntity[] = [];
  /** When set, the next lookup fails with it. */
  failNext: Error | null = null;

  findListening(type: 'event' | 'chain', signals: string[]): Promise<ScheduleEntity[]> {
    this.lookups.push({ type, signals });
    const error = this.failNext;
    this.failNext = null;
    if (error) return Promise.reject(error);
    return Promise.resolve(this.listening.filter((s) => s.type === type && signals.includes(s.signal!)));
  }
}

/** insertRun with the claim's unique key `(scheduleId, scheduledFor)`. */
class FakeRuns {
  readonly inserted: Array<NewRun & { status: string }> = [];

  insertRun(run: NewRun, _leaseMs: number, status: 'pending' | 'running'): Promise<TaskRunEntity | null> {
    const taken = this.inserted.some(
      (row) => row.scheduleId === run.scheduleId && row.scheduledFor.getTime() === run.scheduledFor.getTime(),
    );
    if (taken) return Promise.resolve(null);
    this.inserted.push({ ...run, status });
    return Promise.resolve({ ...run, id: `run-${this.inserted.length}`, status } as TaskRunEntity);
  }
}

class FakeExecutor {
  listener: ((fire: Fire, finishedAt: Date) => void) | null = null;
  readonly launched: Fire[] = [];
  readonly skipped: Array<{ fire: Fire; reason: string }> = [];

  skip(fire: Fire, reason: string): void {
    this.skipped.push({ fire, reason });
  }

  onSuccess(listener: (fire: Fire, finishedAt: Date) => void): void {
    this.listener = listener;
  }

  launch(fire: Fire): void {
    this.launched.push(fire);
  }

  /** A run of `taskId` (at `chainDepth`, absent: a timed run) succeeded at `finishedAt`. */
  succeed(taskId: string, finishedAt: Date, chainDepth?: number): void {
    this.listener!({ task: { id: taskId }, chainDepth } as Fire, finishedAt);
  }
}

/** The part of DatabaseState the dispatcher uses: connection errors reported, its return announced. */
class FakeDatabase {
  private restored: Array<() => void> = [];
  readonly reported: unknown[] = [];

  report(error: unknown): boolean {
    this.reported.push(error);
    return (error as { code?: string }).code === 'ECONNREFUSED';
  }

  onRestored(listener: () => void): void {
    this.restored.push(listener);
  }

  restore(): void {
    for (const listener of this.restored) listener();
  }
}

function dispatcherWith(
  schedules: FakeSchedules,
  runs: FakeRuns,
  executor: FakeExecutor,
  maxChainDepth = 32,
  database?: FakeDatabase,
) {
  const tasks = {
    findByIds: (ids: string[]) => Promise.resolve(ids.map((id) => ({ id, name: id }) as TaskEntity)),
  };
  const dispatcher = new SignalDispatcher(
    schedules as unknown as ScheduleRepository,
    tasks as unknown as TaskRepository,
    runs as unknown as TaskRunRepository,
    executor as unknown as RunExecutor,
    new Clock(),
    { id: 'me' } as unknown as InstanceIdentity,
    { ...DEFAULT_SCHEDULER_OPTIONS, maxChainDepth },
    database as unknown as DatabaseState,
  );
  dispatcher.onModuleInit();
  return dispatcher;
}

describe('SignalDispatcher: chaining after successes', () => {
  let schedules: FakeSchedules;
  let runs: FakeRuns;
  let executor: FakeExecutor;
  let error: ReturnType<typeof jest.spyOn>;

  beforeEach(() => {
    schedules = new FakeSchedules();
    schedules.listening = [chainSchedule(PARENT_A)];
    runs = new FakeRuns();
    executor = new FakeExecutor();
    dispatcherWith(schedules, runs, executor);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => error.mockRestore());

  it('looks up the listeners of a whole turn of successes in one query', async () => {
    executor.succeed(PARENT_A, at(1));
    executor.succeed(PARENT_B, at(2));
    executor.succeed(PARENT_A, at(3));
    await settle();
    expect(schedules.lookups).toEqual([{ type: 'chain', signals: [PARENT_A, PARENT_B] }]);
  });

  it('successes settling in separate microtasks of the same turn still share one lookup', async () => {
    // Runs of one group finish one after another (each after an await), not in one synchronous call.
    executor.succeed(PARENT_A, at(1));
    await Promise.resolve();
    executor.succeed(PARENT_B, at(2));
    for (let tick = 0; tick < 10; tick++) await Promise.resolve();
    executor.succeed(PARENT_A, at(3));
    await settle();
    expect(schedules.lookups).toEqual([{ type: 'chain', signals: [PARENT_A, PARENT_B] }]);
  });

  it('claims the child once per success of its parent, keyed by that success, and launches it', async () => {
    executor.succeed(PARENT_A, at(1));
    executor.succeed(PARENT_B, at(2));
    executor.succeed(PARENT_A, at(3));
    await settle();

    // Two successes of A, two runs; B's success has no listener and starts nothing.
    expect(runs.inserted).toEqual([
      expect.objectContaining({
        taskId: CHILD,
        scheduleId: 'schedule-after-task-a',
        trigger: 'chain',
        scheduledFor: at(1),
        instanceId: 'me',
        status: 'running',
      }),
      expect.objectContaining({
        taskId: CHILD,
        scheduleId: 'schedule-after-task-a',
        trigger: 'chain',
        scheduledFor: at(3),
        instanceId: 'me',
        status: 'running',
      }),
    ]);
    expect(executor.launched.map((fire) => [fire.run.id, fire.task.id, fire.recorded, fire.event])).toEqual([
      ['run-1', CHILD, true, null],
      ['run-2', CHILD, true, null],
    ]);
  });

  it('the same success delivered twice runs the child once (the claim key dedupes it)', async () => {
    executor.succeed(PARENT_A, at(1));
    executor.succeed(PARENT_A, at(1));
    await settle();
    expect(executor.launched).toHaveLength(1);
  });

  it('a success with no listener launches nothing', async () => {
    executor.succeed(PARENT_B, at(1));
    await settle();
    expect(schedules.lookups).toHaveLength(1);
    expect(runs.inserted).toEqual([]);
    expect(executor.launched).toEqual([]);
  });

  it('a lookup cut off by a database outage is kept and chained, once, when the database is back', async () => {
    const database = new FakeDatabase();
    const outageSchedules = new FakeSchedules();
    outageSchedules.listening = [chainSchedule(PARENT_A)];
    const outageRuns = new FakeRuns();
    const outageExecutor = new FakeExecutor();
    dispatcherWith(outageSchedules, outageRuns, outageExecutor, 32, database);
    outageSchedules.failNext = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    outageExecutor.succeed(PARENT_A, at(1));
    await settle();
    expect(outageExecutor.launched).toEqual([]);
    // An outage is DatabaseState's to log, once: nothing here.
    expect(error).not.toHaveBeenCalled();

    database.restore();
    await settle();
    expect(outageRuns.inserted).toEqual([expect.objectContaining({ taskId: CHILD, scheduledFor: at(1) })]);
    expect(outageExecutor.launched).toHaveLength(1);
    database.restore();
    await settle();
    expect(outageExecutor.launched).toHaveLength(1);
  });

  it('a failed lookup is logged, and a later success still chains', async () => {
    schedules.failNext = new Error('database unavailable');
    executor.succeed(PARENT_A, at(1));
    await settle();
    expect(error).toHaveBeenCalledWith(expect.stringContaining('database unavailable'));
    expect(executor.launched).toEqual([]);

    executor.succeed(PARENT_A, at(2));
    await settle();
    expect(executor.launched.map((fire) => fire.run.scheduledFor)).toEqual([at(2)]);
  });

  it('successes arriving during a lookup wait for it and go together in the next one', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const findListening = schedules.findListening.bind(schedules);
    schedules.findListening = async (type, signals) => {
      const result = findListening(type, signals);
      if (schedules.lookups.length === 1) await held;
      return result;
    };

    executor.succeed(PARENT_A, at(1));
    await settle();
    executor.succeed(PARENT_B, at(2));
    executor.succeed(PARENT_A, at(3));
    await settle();
    expect(schedules.lookups).toHaveLength(1); // one lookup at a time

    release();
    await settle();
    expect(schedules.lookups.map((lookup) => lookup.signals)).toEqual([[PARENT_A], [PARENT_B, PARENT_A]]);
    expect(executor.launched.map((fire) => fire.run.scheduledFor)).toEqual([at(1), at(3)]);
  });
});

describe('SignalDispatcher: the chain depth guard', () => {
  const MAX = 3;
  const SKIP_REASON =
    'skipped: chain depth 4 exceeds SCHEDULER_MAX_CHAIN_DEPTH (3); is there an on:/after: loop?';
  let schedules: FakeSchedules;
  let runs: FakeRuns;
  let executor: FakeExecutor;
  let dispatcher: SignalDispatcher;
  let warn: ReturnType<typeof jest.spyOn>;

  const eventSchedule = {
    ...chainSchedule('unused'),
    id: 'schedule-on-ping',
    spec: 'on:ping',
    type: 'event',
    signal: 'ping',
  } as ScheduleEntity;

  beforeEach(() => {
    schedules = new FakeSchedules();
    schedules.listening = [chainSchedule(PARENT_A), eventSchedule];
    runs = new FakeRuns();
    executor = new FakeExecutor();
    dispatcher = dispatcherWith(schedules, runs, executor, MAX);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => warn.mockRestore());

  it('a run fired after:X is one deeper than the run of X that succeeded (a timed run is depth 0)', async () => {
    executor.succeed(PARENT_A, at(1));
    executor.succeed(PARENT_A, at(2), 2);
    await settle();
    expect(runs.inserted.map((run) => run.chainDepth)).toEqual([1, 3]);
    expect(executor.launched.map((fire) => fire.chainDepth)).toEqual([1, 3]);
    expect(executor.skipped).toEqual([]);
  });

  it('past SCHEDULER_MAX_CHAIN_DEPTH an after: fire is claimed and recorded skipped with the reason, not run', async () => {
    executor.succeed(PARENT_A, at(1), MAX);
    await settle();
    expect(runs.inserted).toEqual([expect.objectContaining({ trigger: 'chain', chainDepth: MAX + 1 })]);
    expect(executor.launched).toEqual([]);
    expect(executor.skipped).toEqual([
      {
        fire: expect.objectContaining({ chainDepth: MAX + 1, run: expect.objectContaining({ id: 'run-1' }) }),
        reason: SKIP_REASON,
      },
    ]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(SKIP_REASON));
  });

  it('an event published at depth d fires runs of depth d + 1; without a depth, 1', async () => {
    jest.useFakeTimers({ now: at(1), doNotFake: ['setImmediate'] });
    try {
      await dispatcher.publish('ping', null);
      // A later moment: the same moment would be the same fire (the claim key dedupes it).
      jest.setSystemTime(at(2));
      await dispatcher.publish('ping', null, MAX - 1);
    } finally {
      jest.useRealTimers();
    }
    expect(executor.launched.map((fire) => [fire.chainDepth, fire.event?.name])).toEqual([
      [1, 'ping'],
      [MAX, 'ping'],
    ]);
  });

  it('an event published at the limit is recorded skipped, and the publisher sees its run skipped', async () => {
    const [run] = await dispatcher.publish('ping', { n: 1 }, MAX);
    expect(executor.launched).toEqual([]);
    expect(executor.skipped.map((skip) => [skip.fire.chainDepth, skip.reason])).toEqual([
      [MAX + 1, SKIP_REASON],
    ]);
    expect(runs.inserted).toEqual([expect.objectContaining({ trigger: 'event', chainDepth: MAX + 1 })]);
    expect(run).toMatchObject({ status: 'skipped', error: SKIP_REASON, startedAt: null });
  });
});
