import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { DEFAULT_SCHEDULER_OPTIONS, type SchedulerOptions } from '../config/scheduler-options';
import { SchedulerEventEmitter } from '../events/scheduler-event.emitter';
import type { SchedulerEventMap, SchedulerEventName } from '../events/event-payloads';
import type { TaskRunEntity } from '../persistence/task-run.entity';
import type { NewRun, RunOutcome, TaskRunRepository } from '../persistence/task-run.repository';

/** A run start as the executor announces it (task_started). */
interface RunStart {
  id: string;
  startedAt: Date;
}
import type { TaskHandler, TaskRunContext } from '../tasks/task-handler';
import type { TaskHandlerRegistry } from '../tasks/task-handler.registry';
import { FireTimers } from './fire-timers';
import { InstanceIdentity } from './instance-identity';
import { RunExecutor } from './run-executor.service';
import type { RunJournal } from './run-journal.service';
import { RunOutcomes } from './run-outcomes';
import type { Fire, RunPolicy } from './run-policy';
import { boundResult, MAX_RESULT_BYTES } from './run-result';
import { RunRetries } from './run-retries';

const SECOND = 1_000;
const T0 = new Date('2027-01-01T00:00:00Z').getTime();
const iso = (ms: number) => new Date(ms).toISOString();

type Event = {
  [K in SchedulerEventName]: { name: K; payload: SchedulerEventMap[K]; atMs: number };
}[SchedulerEventName];

/** A run of a controlled handler: the test decides when and how it ends. */
interface Call {
  context: TaskRunContext;
  atMs: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A handler whose runs end only when the test says so. */
class ControlledHandler implements TaskHandler {
  readonly calls: Call[] = [];
  constructor(private readonly clock: Clock) {}

  run(context: TaskRunContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.push({ context, atMs: this.clock.nowMs(), resolve, reject });
    });
  }

  callOf(runId: string): Call {
    const call = this.calls.find((candidate) => candidate.context.run.id === runId);
    if (!call) throw new Error(`run ${runId} never reached the handler`);
    return call;
  }
}

/** Records what the executor would write to the database; `starts` come from task_started. */
class FakeJournal {
  readonly starts: RunStart[] = [];
  readonly outcomes: RunOutcome[] = [];
  flushes = 0;

  finished(outcome: RunOutcome): void {
    this.outcomes.push(outcome);
  }

  flush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }

  outcomeOf(runId: string): RunOutcome | undefined {
    return this.outcomes.find((outcome) => outcome.id === runId);
  }
}

/** insertRun with the unique `(scheduleId, scheduledFor)` claim key. */
class FakeRuns {
  readonly inserted: TaskRunEntity[] = [];
  readonly calls: NewRun[] = [];

  /** Retries are recorded `running` before they start, if still held: here always. */
  readonly startRecorded: string[] = [];

  startIfHeld(ids: string[]): Promise<Set<string>> {
    this.startRecorded.push(...ids);
    return Promise.resolve(new Set(ids));
  }

  insertRun(run: NewRun, leaseMs: number): Promise<TaskRunEntity | null> {
    this.calls.push(run);
    const taken = this.inserted.some(
      (row) =>
        row.scheduleId !== null &&
        row.scheduleId === run.scheduleId &&
        row.scheduledFor.getTime() === run.scheduledFor.getTime(),
    );
    if (taken) return Promise.resolve(null);
    const row: TaskRunEntity = {
      id: `retry-${this.inserted.length + 1}`,
      taskId: run.taskId,
      scheduleId: run.scheduleId,
      trigger: run.trigger,
      scheduledFor: run.scheduledFor,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      status: 'pending',
      attempt: run.attempt,
      error: null,
      result: null,
      instanceId: run.instanceId,
      leaseUntil: new Date(run.scheduledFor.getTime() + leaseMs),
      createdAt: new Date(),
      chainDepth: run.chainDepth ?? 0,
    };
    this.inserted.push(row);
    return Promise.resolve(row);
  }
}

describe('RunExecutor', () => {
  let clock: Clock;
  let registry: SchedulerRegistry;
  let handlers: Map<string, TaskHandler>;
  let handler: ControlledHandler;
  let journal: FakeJournal;
  let runs: FakeRuns;
  let emitter: SchedulerEventEmitter;
  let events: Event[];
  let identity: InstanceIdentity;
  let options: SchedulerOptions;
  let executor: RunExecutor;
  let seq: number;

  const build = (overrides: Partial<SchedulerOptions> = {}) => {
    options = { ...DEFAULT_SCHEDULER_OPTIONS, ...overrides };
    executor = new RunExecutor(
      { get: (name: string) => handlers.get(name) } as unknown as TaskHandlerRegistry,
      new RunOutcomes(journal as unknown as RunJournal, emitter, clock),
      runs as unknown as TaskRunRepository,
      new RunRetries(runs as unknown as TaskRunRepository, new FireTimers(registry, clock), identity),
      clock,
      identity,
      options,
    );
    return executor;
  };

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    clock = new Clock();
    registry = new SchedulerRegistry();
    handler = new ControlledHandler(clock);
    handlers = new Map<string, TaskHandler>([['controlled', handler]]);
    journal = new FakeJournal();
    runs = new FakeRuns();
    emitter = new SchedulerEventEmitter();
    events = [];
    emitter.subscribe((name, payload) => events.push({ name, payload, atMs: clock.nowMs() } as Event));
    emitter.subscribe((name, payload) => {
      if (name === 'task_started') {
        const started = payload as { runId: string; startedAt: string };
        journal.starts.push({ id: started.runId, startedAt: new Date(started.startedAt) });
      }
    });
    identity = new InstanceIdentity();
    seq = 0;
    build();
  });

  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  /** A fire of `scheduleId` (null: a manual run) planned for now, run by the controlled handler. */
  const fire = (
    scheduleId: string | null = 'schedule-1',
    policy: Partial<RunPolicy> = {},
    extra: { handler?: string; scheduledFor?: number; taskId?: string } = {},
  ): Fire => {
    seq++;
    return {
      run: {
        id: `run-${seq}`,
        taskId: extra.taskId ?? 'task-1',
        scheduleId,
        scheduledFor: new Date(extra.scheduledFor ?? clock.nowMs()),
        attempt: 1,
        trigger: scheduleId ? 'schedule' : 'manual',
      },
      recorded: true,
      task: {
        id: extra.taskId ?? 'task-1',
        name: 'Task one',
        handler: extra.handler ?? 'controlled',
        payload: { n: seq },
      },
      policy: { overlap: 'skip', timeoutMs: null, maxRetries: 0, retryBackoffMs: 10 * SECOND, ...policy },
      event: null,
    };
  };

  /** Lets settled handler promises reach the executor (and advances fake time). */
  const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);
  const flush = () => jest.advanceTimersByTimeAsync(0);
  /** A turn's `task_started` events go out together, right after its starts (one microtask). */
  const afterStarts = () => Promise.resolve();

  const eventsOf = (runId: string) =>
    events.filter((event) => event.payload && 'runId' in event.payload && event.payload.runId === runId);
  const namesOf = (runId: string) => eventsOf(runId).map((event) => event.name);
  const startedRunIds = () =>
    events
      .filter((event) => event.name === 'task_started')
      .map((event) => (event.payload as { runId: string }).runId);

  /** Every started run emits task_started then exactly one final event; a run never started, one task_error. */
  const expectLifecycle = (runId: string, started: boolean) => {
    const names = namesOf(runId);
    if (started) {
      expect(names).toHaveLength(2);
      expect(names[0]).toBe('task_started');
      expect(['task_finished', 'task_error']).toContain(names[1]);
    } else {
      expect(names).toEqual(['task_error']);
    }
  };

  describe('a run', () => {
    it('emits task_started, calls the handler with its context, then task_finished with the spec payload', async () => {
      const f = fire('schedule-1', { timeoutMs: 30 * SECOND }, { scheduledFor: T0 - 250 });
      executor.launch(f);
      await afterStarts();

      expect(events).toEqual([
        {
          name: 'task_started',
          atMs: T0,
          payload: { taskId: 'task-1', runId: 'run-1', scheduledFor: iso(T0 - 250), startedAt: iso(T0) },
        },
      ]);
      expect(journal.starts).toEqual([{ id: 'run-1', startedAt: new Date(T0) }]);
      expect(executor.activeCount).toBe(1);

      const call = handler.callOf('run-1');
      expect(call.context).toEqual({
        task: { id: 'task-1', name: 'Task one', payload: { n: 1 } },
        run: { id: 'run-1', scheduledFor: new Date(T0 - 250), attempt: 1, trigger: 'schedule' },
        event: null,
        signal: expect.any(AbortSignal),
        timeoutMs: 30 * SECOND,
        chainDepth: 0,
      });
      expect(call.context.signal.aborted).toBe(false);

      await advance(1_500);
      call.resolve({ items: 3 });
      await flush();

      expect(events[1]).toEqual({
        name: 'task_finished',
        atMs: T0 + 1_500,
        payload: {
          taskId: 'task-1',
          runId: 'run-1',
          status: 'succeeded',
          startedAt: iso(T0),
          finishedAt: iso(T0 + 1_500),
          durationMs: 1_500,
          result: { items: 3 },
        },
      });
      expect(journal.outcomes).toEqual([
        {
          id: 'run-1',
          status: 'succeeded',
          startedAt: new Date(T0),
          finishedAt: new Date(T0 + 1_500),
          durationMs: 1_500,
          error: null,
          result: { items: 3 },
        },
      ]);
      expect(executor.activeCount).toBe(0);

      // the timeout was cleared with the run: nothing more happens later, the signal stays quiet
      expect(jest.getTimerCount()).toBe(0);
      await advance(60 * SECOND);
      expect(call.context.signal.aborted).toBe(false);
      expectLifecycle('run-1', true);
      expect(journal.outcomes).toHaveLength(1);
    });

    it('a handler that rejects ends the run failed with task_error {taskId, runId, status, error, finishedAt}', async () => {
      executor.launch(fire());
      await advance(2 * SECOND);
      handler.callOf('run-1').reject(new Error('upstream said 503'));
      await flush();

      expect(events.map((event) => event.name)).toEqual(['task_started', 'task_error']);
      expect(events[1].payload).toEqual({
        taskId: 'task-1',
        runId: 'run-1',
        status: 'failed',
        error: 'upstream said 503',
        finishedAt: iso(T0 + 2 * SECOND),
      });
      expect(journal.outcomeOf('run-1')).toMatchObject({
        status: 'failed',
        startedAt: new Date(T0),
        durationMs: 2 * SECOND,
        error: 'upstream said 503',
        result: null,
      });
    });

    it('a handler that throws synchronously, or rejects with a non-Error, fails the run too', async () => {
      handlers.set('throws', {
        run: () => {
          throw new Error('bad payload');
        },
      });
      // a handler from another module may reject with anything; that is what is tested here
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      handlers.set('rejects-string', { run: () => Promise.reject('plain string') });
      executor.launch(fire('a', {}, { handler: 'throws' }));
      executor.launch(fire('b', {}, { handler: 'rejects-string' }));
      await flush();

      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'failed', error: 'bad payload' });
      expect(journal.outcomeOf('run-2')).toMatchObject({ status: 'failed', error: 'plain string' });
      expectLifecycle('run-1', true);
      expectLifecycle('run-2', true);
      expect(executor.activeCount).toBe(0);
    });

    it('a handler that returns a plain value succeeds with it as the result', async () => {
      handlers.set('sync', { run: () => 42 });
      executor.launch(fire(null, {}, { handler: 'sync' }));
      await flush();

      expect(events.map((event) => event.name)).toEqual(['task_started', 'task_finished']);
      expect(events[1].payload).toMatchObject({ status: 'succeeded', result: 42, durationMs: 0 });
    });

    it('a group of plain-value handlers: every task_started goes out before the first task_finished', async () => {
      handlers.set('sync', { run: (context) => context.run.id });
      for (let i = 0; i < 3; i++) executor.launch(fire(`schedule-${i}`, {}, { handler: 'sync' }));
      expect(executor.activeCount).toBe(3);
      await flush();

      expect(events.map((event) => event.name)).toEqual([
        'task_started',
        'task_started',
        'task_started',
        'task_finished',
        'task_finished',
        'task_finished',
      ]);
      expect(events.slice(3).map((event) => (event.payload as { result: unknown }).result)).toEqual(
        events.slice(0, 3).map((event) => (event.payload as { runId: string }).runId),
      );
      expect(executor.activeCount).toBe(0);
    });

    it("a group's task_started can be delivered (in a promise job, as the gateway does) before its completions are processed", async () => {
      handlers.set('sync', { run: () => null });
      const finishedBeforeDelivery: number[] = [];
      let delivering = false;
      emitter.subscribe((name) => {
        if (name !== 'task_started' || delivering) return;
        delivering = true;
        void Promise.resolve().then(() =>
          finishedBeforeDelivery.push(events.filter((e) => e.name === 'task_finished').length),
        );
      });
      for (let i = 0; i < 3; i++) executor.launch(fire(`schedule-${i}`, {}, { handler: 'sync' }));
      await flush();

      expect(finishedBeforeDelivery).toEqual([0]);
      expect(events.filter((event) => event.name === 'task_finished')).toHaveLength(3);
    });

    it('a run whose handler returned at once ends when it returned, however late its completion is processed', async () => {
      handlers.set('sync', { run: () => 'done' });
      // The completions of a group are processed after its task_started go out (and in slices):
      // time spent meanwhile is not the run's.
      emitter.subscribe((name) => {
        if (name === 'task_started') jest.setSystemTime(Date.now() + 250);
      });
      executor.launch(fire('schedule-1', {}, { handler: 'sync' }));
      await flush();

      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'succeeded', durationMs: 0 });
    });

    it('a handler not registered here fails the run without starting it', async () => {
      executor.launch(fire('schedule-1', {}, { handler: 'nobody' }));
      await flush();

      expect(events).toEqual([
        {
          name: 'task_error',
          atMs: T0,
          payload: {
            taskId: 'task-1',
            runId: 'run-1',
            status: 'failed',
            error: expect.stringContaining('"nobody"'),
            finishedAt: iso(T0),
          },
        },
      ]);
      expect(journal.starts).toEqual([]);
      expect(journal.outcomeOf('run-1')).toMatchObject({
        status: 'failed',
        startedAt: null,
        durationMs: null,
      });
      expect(executor.activeCount).toBe(0);
    });

    it('never emits more than one final event, whatever the mix of outcomes', async () => {
      handlers.set('ok', { run: () => 'ok' });
      handlers.set('ko', { run: () => Promise.reject(new Error('ko')) });
      const fires = [
        fire('s1', { overlap: 'allow' }, { handler: 'ok' }),
        fire('s1', { overlap: 'allow' }, { handler: 'ko' }),
        fire('s2', { timeoutMs: SECOND }),
        fire('s2', { overlap: 'skip' }),
        fire(null, {}, { handler: 'missing' }),
        fire('s3'),
      ];
      for (const f of fires) executor.launch(f);
      await advance(5 * SECOND);
      // the timed-out run's handler resolving late changes nothing
      handler.callOf('run-3').resolve('late');
      handler.callOf('run-6').resolve('done');
      await advance(5 * SECOND);

      for (const f of fires) {
        const started = namesOf(f.run.id).includes('task_started');
        expectLifecycle(f.run.id, started);
        expect(journal.outcomes.filter((outcome) => outcome.id === f.run.id)).toHaveLength(1);
      }
      expect(journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual(
        expect.arrayContaining([
          ['run-1', 'succeeded'],
          ['run-2', 'failed'],
          ['run-3', 'timed_out'],
          ['run-4', 'skipped'],
          ['run-5', 'failed'],
          ['run-6', 'succeeded'],
        ]),
      );
    });
  });

  describe('overlap policy', () => {
    it('skip: a fire while the previous run of the same schedule runs is recorded skipped, never started', async () => {
      const first = fire('schedule-1', { overlap: 'skip' });
      executor.launch(first);
      await advance(10 * SECOND);
      const second = fire('schedule-1', { overlap: 'skip' });
      executor.launch(second);
      await afterStarts();

      expect(handler.calls).toHaveLength(1);
      expect(namesOf(second.run.id)).toEqual(['task_error']);
      expect(eventsOf(second.run.id)[0].payload).toEqual({
        taskId: 'task-1',
        runId: second.run.id,
        status: 'skipped',
        error: expect.stringContaining('still running'),
        finishedAt: iso(T0 + 10 * SECOND),
      });
      expect(journal.outcomeOf(second.run.id)).toMatchObject({
        status: 'skipped',
        startedAt: null,
        durationMs: null,
        finishedAt: new Date(T0 + 10 * SECOND),
      });
      expect(journal.starts.map((start) => start.id)).toEqual([first.run.id]);

      // the first run is not disturbed, and once it is over the schedule fires normally again
      handler.callOf(first.run.id).resolve('done');
      await flush();
      expect(namesOf(first.run.id)).toEqual(['task_started', 'task_finished']);
      const third = fire('schedule-1', { overlap: 'skip' });
      executor.launch(third);
      await afterStarts();
      expect(namesOf(third.run.id)).toEqual(['task_started']);
    });

    it('skip only looks at the same schedule: another schedule runs alongside', async () => {
      executor.launch(fire('schedule-1', { overlap: 'skip' }));
      executor.launch(fire('schedule-2', { overlap: 'skip' }));
      await afterStarts();
      expect(startedRunIds()).toEqual(['run-1', 'run-2']);
      expect(executor.activeCount).toBe(2);
    });

    it('queue: the fire waits for the previous run and starts as soon as it finishes', async () => {
      const first = fire('schedule-1', { overlap: 'queue' });
      const second = fire('schedule-1', { overlap: 'queue' });
      const third = fire('schedule-1', { overlap: 'queue' });
      executor.launch(first);
      executor.launch(second);
      executor.launch(third);
      await afterStarts();
      expect(startedRunIds()).toEqual([first.run.id]);
      expect(handler.calls).toHaveLength(1);

      await advance(5 * SECOND);
      handler.callOf(first.run.id).resolve('first');
      await flush();
      expect(startedRunIds()).toEqual([first.run.id, second.run.id]);
      expect(eventsOf(second.run.id)[0].payload).toMatchObject({ startedAt: iso(T0 + 5 * SECOND) });
      expect(handler.calls).toHaveLength(2);

      await advance(3 * SECOND);
      handler.callOf(second.run.id).reject(new Error('second failed'));
      await flush();
      expect(startedRunIds()).toEqual([first.run.id, second.run.id, third.run.id]);
      expect(eventsOf(third.run.id)[0].payload).toMatchObject({ startedAt: iso(T0 + 8 * SECOND) });

      handler.callOf(third.run.id).resolve('third');
      await flush();
      for (const f of [first, second, third]) expectLifecycle(f.run.id, true);
      expect(journal.outcomes.map((outcome) => outcome.status)).toEqual(['succeeded', 'failed', 'succeeded']);
      expect(executor.activeCount).toBe(0);
    });

    it('allow: both runs go at once', async () => {
      const first = fire('schedule-1', { overlap: 'allow' });
      const second = fire('schedule-1', { overlap: 'allow' });
      executor.launch(first);
      executor.launch(second);
      await afterStarts();

      expect(startedRunIds()).toEqual([first.run.id, second.run.id]);
      expect(handler.calls.map((call) => call.atMs)).toEqual([T0, T0]);
      expect(executor.activeCount).toBe(2);
      handler.callOf(second.run.id).resolve(2);
      handler.callOf(first.run.id).resolve(1);
      await flush();
      expectLifecycle(first.run.id, true);
      expectLifecycle(second.run.id, true);
    });

    it('runs without a schedule (manual) never overlap-skip each other', async () => {
      executor.launch(fire(null, { overlap: 'skip' }));
      executor.launch(fire(null, { overlap: 'skip' }));
      await afterStarts();
      expect(startedRunIds()).toEqual(['run-1', 'run-2']);
    });

    // Regression: a fire that waited for a slot was started without checking overlap again.
    it('skip holds for fires that waited for a slot: two runs of a skip schedule never run at once', async () => {
      build({ maxConcurrentRuns: 2 });
      const busy1 = fire('busy-1');
      const busy2 = fire('busy-2');
      const a1 = fire('schedule-a', { overlap: 'skip' });
      const a2 = fire('schedule-a', { overlap: 'skip' });
      for (const f of [busy1, busy2, a1, a2]) executor.launch(f);
      await afterStarts();
      expect(executor.waitingCount).toBe(2);

      handler.callOf(busy1.run.id).resolve('done');
      await flush();
      handler.callOf(busy2.run.id).resolve('done');
      await flush();

      // a1 runs; a2 came while a1 (the previous fire of schedule-a) was pending: it must not run alongside
      expect(namesOf(a1.run.id)).toEqual(['task_started']);
      expect(namesOf(a2.run.id)).not.toContain('task_started');
    });
  });

  describe('global concurrency cap (maxConcurrentRuns)', () => {
    it('makes extra fires wait, then starts them in FIFO order as slots free; their startedAt shows the wait', async () => {
      build({ maxConcurrentRuns: 2 });
      const fires = [1, 2, 3, 4, 5].map((n) => fire(`schedule-${n}`, { overlap: 'allow' }));
      let maxActive = 0;
      const observe = () => (maxActive = Math.max(maxActive, executor.activeCount));
      for (const f of fires) {
        executor.launch(f);
        await afterStarts();
        observe();
      }
      expect(startedRunIds()).toEqual(['run-1', 'run-2']);
      expect(executor.waitingCount).toBe(3);

      // slots free at +3 s (run-1), +4 s (run-2), +6 s (run-3): run-3, run-4, run-5 start then, in order
      const endAt = async (ms: number, runId: string) => {
        await advance(T0 + ms - clock.nowMs());
        handler.callOf(runId).resolve(runId);
        await flush();
        observe();
      };
      await endAt(3 * SECOND, 'run-1');
      expect(startedRunIds()).toEqual(['run-1', 'run-2', 'run-3']);
      await endAt(4 * SECOND, 'run-2');
      expect(startedRunIds()).toEqual(['run-1', 'run-2', 'run-3', 'run-4']);
      await endAt(6 * SECOND, 'run-3');
      expect(startedRunIds()).toEqual(['run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
      expect(executor.waitingCount).toBe(0);
      await endAt(7 * SECOND, 'run-4');
      await endAt(8 * SECOND, 'run-5');

      expect(maxActive).toBe(2);
      const startedAt = Object.fromEntries(
        events
          .filter((event) => event.name === 'task_started')
          .map((event) => [
            (event.payload as { runId: string }).runId,
            (event.payload as { startedAt: string }).startedAt,
          ]),
      );
      expect(startedAt).toEqual({
        'run-1': iso(T0),
        'run-2': iso(T0),
        'run-3': iso(T0 + 3 * SECOND),
        'run-4': iso(T0 + 4 * SECOND),
        'run-5': iso(T0 + 6 * SECOND),
      });
      // the lateness (startedAt − scheduledFor) is what was waited
      for (const f of fires) {
        expect(eventsOf(f.run.id)[0].payload).toMatchObject({ scheduledFor: iso(T0) });
        expectLifecycle(f.run.id, true);
      }
      expect(journal.starts.map((start) => [start.id, start.startedAt.getTime() - T0])).toEqual([
        ['run-1', 0],
        ['run-2', 0],
        ['run-3', 3 * SECOND],
        ['run-4', 4 * SECOND],
        ['run-5', 6 * SECOND],
      ]);
    });

    it('a failed or timed-out run frees its slot too', async () => {
      build({ maxConcurrentRuns: 1 });
      executor.launch(fire('s1', { timeoutMs: 2 * SECOND }));
      executor.launch(fire('s2'));
      executor.launch(fire('s3'));
      await afterStarts();
      expect(executor.waitingCount).toBe(2);

      await advance(2 * SECOND);
      expect(startedRunIds()).toEqual(['run-1', 'run-2']);
      handler.callOf('run-2').reject(new Error('nope'));
      await flush();
      expect(startedRunIds()).toEqual(['run-1', 'run-2', 'run-3']);
      expect(executor.activeCount).toBe(1);
    });
  });

  describe('chain depth', () => {
    it("tells the handler its run's chain depth (0 when the fire carries none) and records it on retries", async () => {
      executor.launch(fire('schedule-1'));
      executor.launch({ ...fire('schedule-2', { maxRetries: 1 }), chainDepth: 4 });
      await afterStarts();
      expect(handler.callOf('run-1').context.chainDepth).toBe(0);
      expect(handler.callOf('run-2').context.chainDepth).toBe(4);
      handler.callOf('run-2').reject(new Error('again'));
      await flush();
      expect(runs.calls).toEqual([expect.objectContaining({ trigger: 'retry', chainDepth: 4 })]);
    });

    it('skip() records a fire skipped with its reason and a task_error, without running it', async () => {
      executor.skip(fire('schedule-1'), 'skipped: too deep');
      await flush();
      expect(handler.calls).toEqual([]);
      expect(journal.outcomeOf('run-1')).toMatchObject({
        status: 'skipped',
        error: 'skipped: too deep',
        startedAt: null,
      });
      expect(namesOf('run-1')).toEqual(['task_error']);
    });
  });

  describe('timeout', () => {
    it('ends the run timed_out at the deadline and aborts the handler signal', async () => {
      const aborts: unknown[] = [];
      executor.launch(fire('schedule-1', { timeoutMs: 5 * SECOND }));
      await afterStarts();
      const { context } = handler.callOf('run-1');
      context.signal.addEventListener('abort', () => aborts.push(context.signal.reason));

      await advance(5 * SECOND - 1);
      expect(context.signal.aborted).toBe(false);
      expect(namesOf('run-1')).toEqual(['task_started']);

      await advance(1);
      expect(context.signal.aborted).toBe(true);
      expect(aborts).toHaveLength(1);
      expect((context.signal.reason as Error).message).toContain('timed out');
      expect(eventsOf('run-1')[1]).toEqual({
        name: 'task_error',
        atMs: T0 + 5 * SECOND,
        payload: {
          taskId: 'task-1',
          runId: 'run-1',
          status: 'timed_out',
          error: 'timed out after 5s',
          finishedAt: iso(T0 + 5 * SECOND),
        },
      });
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'timed_out', durationMs: 5 * SECOND });
      expect(executor.activeCount).toBe(0);

      // the handler finishing afterwards changes nothing
      handler.callOf('run-1').resolve('too late');
      await advance(SECOND);
      expectLifecycle('run-1', true);
      expect(journal.outcomes).toHaveLength(1);
    });

    it('a schedule without a timeout gets SCHEDULER_DEFAULT_TIMEOUT_SECONDS when the run starts', async () => {
      build({ defaultTimeoutSeconds: 60 });
      executor.launch(fire('schedule-1', { timeoutMs: null }));
      await afterStarts();
      const { context } = handler.callOf('run-1');
      expect(context.timeoutMs).toBe(60 * SECOND);

      await advance(60 * SECOND - 1);
      expect(namesOf('run-1')).toEqual(['task_started']);
      await advance(1);
      expect(context.signal.aborted).toBe(true);
      expect(journal.outcomeOf('run-1')).toMatchObject({
        status: 'timed_out',
        durationMs: 60 * SECOND,
        error: 'timed out after 60s (SCHEDULER_DEFAULT_TIMEOUT_SECONDS)',
      });
    });

    it('timeoutSeconds 0 opts out of the default: the run goes on until its handler ends', async () => {
      build({ defaultTimeoutSeconds: 60 });
      executor.launch(fire('schedule-1', { timeoutMs: 0 }));
      await afterStarts();
      const { context, resolve } = handler.callOf('run-1');
      expect(context.timeoutMs).toBeNull();
      expect(jest.getTimerCount()).toBe(0);

      await advance(3_600 * SECOND);
      expect(context.signal.aborted).toBe(false);
      expect(executor.activeCount).toBe(1);
      resolve('finally');
      await flush();
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'succeeded', durationMs: 3_600 * SECOND });
    });

    it('a default of 0 means no timeout for schedules that give none', async () => {
      build({ defaultTimeoutSeconds: 0 });
      executor.launch(fire('schedule-1', { timeoutMs: null }));
      await afterStarts();
      expect(handler.callOf('run-1').context.timeoutMs).toBeNull();
      await advance(86_400 * SECOND);
      expect(executor.activeCount).toBe(1);
      expect(journal.outcomes).toEqual([]);
    });

    it('arms a timer only for a handler that returns a promise, not for one that returns at once', async () => {
      handlers.set('sync', { run: () => 'done' });
      executor.launch(fire('schedule-1', { timeoutMs: 5 * SECOND }, { handler: 'sync' }));
      expect(jest.getTimerCount()).toBe(0);
      await flush();
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'succeeded', result: 'done' });

      executor.launch(fire('schedule-2', { timeoutMs: 5 * SECOND }));
      expect(jest.getTimerCount()).toBe(1);
      handler.callOf('run-2').resolve('later');
      await flush();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('frees the schedule: a skip fire after the timeout starts', async () => {
      executor.launch(fire('schedule-1', { timeoutMs: SECOND }));
      await advance(SECOND);
      executor.launch(fire('schedule-1', { timeoutMs: SECOND }));
      await afterStarts();
      expect(startedRunIds()).toEqual(['run-1', 'run-2']);
    });
  });

  describe('retries', () => {
    it('a failing run is retried with exponential backoff (+10 s, then +20 s), as new retry runs, up to maxRetries', async () => {
      handlers.set('always-fails', {
        run: (context: TaskRunContext) => {
          handler.calls.push({
            context,
            atMs: clock.nowMs(),
            resolve: () => undefined,
            reject: () => undefined,
          });
          return Promise.reject(new Error(`attempt ${context.run.attempt} failed`));
        },
      });
      const first = fire(
        'schedule-1',
        { maxRetries: 2, retryBackoffMs: 10 * SECOND },
        { handler: 'always-fails' },
      );
      executor.launch(first);
      await flush();

      expect(runs.calls).toEqual([
        {
          taskId: 'task-1',
          scheduleId: 'schedule-1',
          trigger: 'retry',
          scheduledFor: new Date(T0 + 10 * SECOND),
          attempt: 2,
          instanceId: identity.id,
        },
      ]);
      const retry1 = runs.inserted[0];
      expect(registry.getTimeouts()).toEqual([`scout:retry:${retry1.id}`]);

      await advance(10 * SECOND - 1);
      expect(handler.calls).toHaveLength(1);
      await advance(1);
      expect(handler.calls).toHaveLength(2);
      expect(handler.calls[1].atMs).toBe(T0 + 10 * SECOND);
      expect(handler.calls[1].context.run).toEqual({
        id: retry1.id,
        scheduledFor: new Date(T0 + 10 * SECOND),
        attempt: 2,
        trigger: 'retry',
      });
      // the retry is a run of its own, with its own lifecycle
      expect(namesOf(retry1.id)).toEqual(['task_started', 'task_error']);

      // attempt 2 failed at +10 s: attempt 3 waits 2 × 10 s
      expect(runs.calls[1]).toMatchObject({
        trigger: 'retry',
        attempt: 3,
        scheduledFor: new Date(T0 + 30 * SECOND),
      });
      const retry2 = runs.inserted[1];
      await advance(20 * SECOND - 1);
      expect(handler.calls).toHaveLength(2);
      await advance(1);
      expect(handler.calls).toHaveLength(3);
      expect(handler.calls[2].atMs).toBe(T0 + 30 * SECOND);
      expect(handler.calls[2].context.run).toMatchObject({ id: retry2.id, attempt: 3, trigger: 'retry' });

      // attempt 3 = 1 + maxRetries: no more
      await advance(86_400 * SECOND);
      expect(handler.calls).toHaveLength(3);
      expect(runs.calls).toHaveLength(2);
      expect(registry.getTimeouts()).toEqual([]);
      expect(journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
        [first.run.id, 'failed'],
        [retry1.id, 'failed'],
        [retry2.id, 'failed'],
      ]);
    });

    it('a retry that succeeds ends the series', async () => {
      executor.launch(fire('schedule-1', { maxRetries: 3, retryBackoffMs: 10 * SECOND }));
      await afterStarts();
      handler.callOf('run-1').reject(new Error('flaky'));
      await flush();
      await advance(10 * SECOND);
      handler.callOf(runs.inserted[0].id).resolve('ok');
      await flush();
      await advance(3_600 * SECOND);

      expect(runs.calls).toHaveLength(1);
      expect(handler.calls).toHaveLength(2);
      expect(journal.outcomeOf(runs.inserted[0].id)).toMatchObject({ status: 'succeeded' });
    });

    it('a timed-out run is retried too', async () => {
      executor.launch(
        fire('schedule-1', { maxRetries: 1, retryBackoffMs: 5 * SECOND, timeoutMs: 2 * SECOND }),
      );
      await advance(2 * SECOND);
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'timed_out' });
      expect(runs.calls).toEqual([
        expect.objectContaining({ attempt: 2, scheduledFor: new Date(T0 + 7 * SECOND) }),
      ]);
      await advance(5 * SECOND);
      expect(handler.calls).toHaveLength(2);
    });

    it('no retry without maxRetries, nor for a success', async () => {
      executor.launch(fire('schedule-1', { maxRetries: 0 }));
      executor.launch(fire('schedule-2', { maxRetries: 5 }));
      await afterStarts();
      handler.callOf('run-1').reject(new Error('x'));
      handler.callOf('run-2').resolve('y');
      await advance(3_600 * SECOND);
      expect(runs.calls).toEqual([]);
      expect(registry.getTimeouts()).toEqual([]);
    });

    it('cancelRetries drops the armed retries of a schedule', async () => {
      executor.launch(fire('schedule-1', { maxRetries: 2 }));
      executor.launch(fire('schedule-2', { maxRetries: 2 }));
      await afterStarts();
      handler.callOf('run-1').reject(new Error('x'));
      handler.callOf('run-2').reject(new Error('x'));
      await flush();
      expect(registry.getTimeouts()).toHaveLength(2);

      executor.cancelRetries('schedule-1');
      expect(registry.getTimeouts()).toEqual([`scout:retry:${runs.inserted[1].id}`]);
      await advance(10 * SECOND);
      expect(handler.calls.map((call) => call.context.run.id)).toEqual([
        'run-1',
        'run-2',
        runs.inserted[1].id,
      ]);
    });
  });

  describe('onSuccess listeners', () => {
    it('are called once per successful run with the fire and its finish time, and never otherwise', async () => {
      const calls: Array<[string, number]> = [];
      executor.onSuccess((f, finishedAt) => calls.push([f.run.id, finishedAt.getTime()]));
      executor.launch(fire('ok', { overlap: 'skip' }));
      executor.launch(fire('ok', { overlap: 'skip' })); // skipped
      executor.launch(fire('ko'));
      executor.launch(fire('slow', { timeoutMs: SECOND }));
      executor.launch(fire('x', {}, { handler: 'unknown' }));
      await afterStarts();

      await advance(500);
      handler.callOf('run-1').resolve('fine');
      handler.callOf('run-3').reject(new Error('bad'));
      await advance(2 * SECOND);

      expect(calls).toEqual([['run-1', T0 + 500]]);
    });
  });

  describe('result bounds', () => {
    it('keeps results up to 64 KiB as they are', () => {
      expect(MAX_RESULT_BYTES).toBe(64 * 1024);
      const small = { a: 1, list: [1, 2, 3] };
      expect(boundResult(small)).toBe(small);
      // exactly the limit: the JSON text `"xxx…"` is 64 KiB
      const atLimit = 'x'.repeat(MAX_RESULT_BYTES - 2);
      expect(boundResult(atLimit)).toBe(atLimit);
    });

    it('cuts a result over 64 KiB to a marked preview', () => {
      const big = { text: 'y'.repeat(MAX_RESULT_BYTES) };
      const bounded = boundResult(big) as { truncated: boolean; preview: string };
      expect(bounded.truncated).toBe(true);
      expect(JSON.stringify(big).startsWith(bounded.preview)).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(MAX_RESULT_BYTES);

      const justOver = 'x'.repeat(MAX_RESULT_BYTES - 1);
      expect(boundResult(justOver)).toMatchObject({ truncated: true });
    });

    it('maps undefined to null and refuses nothing (circular or BigInt results become a note)', () => {
      expect(boundResult(undefined)).toBeNull();
      expect(boundResult(() => 1)).toBeNull();
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      expect(boundResult(circular)).toEqual({ unserializable: true });
      expect(boundResult(10n)).toEqual({ unserializable: true });
    });

    // Regression: the preview was cut in UTF-16 units, so multi-byte text went past 64 KiB.
    it('a truncated result of multi-byte text stays within 64 KiB', () => {
      const bounded = boundResult('字'.repeat(40_000)) as { truncated: boolean; preview: string };
      expect(bounded.truncated).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    });

    // Regression: cutting mid-emoji left a lone surrogate, which jsonb refuses.
    it('a truncated preview never ends in half a character', () => {
      const bounded = boundResult('😀'.repeat(20_000)) as { truncated: boolean; preview: string };
      expect(bounded.truncated).toBe(true);
      const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
      expect(loneSurrogate.test(bounded.preview)).toBe(false);
    });

    it('the executor stores and emits the bounded result', async () => {
      executor.launch(fire());
      await afterStarts();
      handler.callOf('run-1').resolve({ blob: 'z'.repeat(100 * 1024) });
      await flush();

      const finished = eventsOf('run-1')[1];
      expect(finished.name).toBe('task_finished');
      expect(finished.payload).toMatchObject({ result: { truncated: true, preview: expect.any(String) } });
      expect(journal.outcomeOf('run-1')?.result).toMatchObject({ truncated: true });
      expect(Buffer.byteLength(JSON.stringify(journal.outcomeOf('run-1')?.result))).toBeLessThanOrEqual(
        MAX_RESULT_BYTES,
      );
    });
  });

  describe('drain', () => {
    it('lets quick runs finish, interrupts the ones still going after the grace period, and aborts them', async () => {
      handlers.set('quick', {
        run: () => new Promise((resolve) => setTimeout(() => resolve('quick done'), SECOND)),
      });
      executor.launch(fire('q', {}, { handler: 'quick' }));
      executor.launch(fire('slow'));
      await afterStarts();
      const slow = handler.callOf('run-2').context;

      let drained = false;
      const draining = executor.drain(5 * SECOND).then(() => (drained = true));

      await advance(SECOND);
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'succeeded', result: 'quick done' });
      expect(namesOf('run-1')).toEqual(['task_started', 'task_finished']);

      await advance(4 * SECOND - 21);
      expect(drained).toBe(false);
      expect(slow.signal.aborted).toBe(false);
      expect(namesOf('run-2')).toEqual(['task_started']);

      await advance(100);
      await draining;
      expect(drained).toBe(true);
      expect(slow.signal.aborted).toBe(true);
      const interrupted = journal.outcomeOf('run-2')!;
      expect(interrupted).toMatchObject({ status: 'interrupted', startedAt: new Date(T0), result: null });
      expect(interrupted.error).toContain('interrupted');
      // at the end of the grace period (polled every 20 ms)
      expect(interrupted.finishedAt.getTime() - T0).toBeGreaterThanOrEqual(5 * SECOND);
      expect(interrupted.finishedAt.getTime() - T0).toBeLessThanOrEqual(5 * SECOND + 20);
      expect(eventsOf('run-2')[1].payload).toMatchObject({ status: 'interrupted', runId: 'run-2' });
      expect(journal.flushes).toBeGreaterThanOrEqual(1);
      expect(executor.activeCount).toBe(0);

      // the handler giving up late changes nothing
      handler.callOf('run-2').reject(new Error('aborted'));
      await flush();
      expectLifecycle('run-2', true);
      expect(journal.outcomes).toHaveLength(2);
    });

    it('returns as soon as every run finished, without waiting for the whole grace period', async () => {
      executor.launch(fire());
      await afterStarts();
      let drained = false;
      const draining = executor.drain(60 * SECOND).then(() => (drained = true));
      await advance(2 * SECOND);
      handler.callOf('run-1').resolve('ok');
      await advance(100);
      await draining;
      expect(drained).toBe(true);
      expect(clock.nowMs() - T0).toBeLessThan(3 * SECOND);
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'succeeded' });
    });

    it('starts no waiting, queued or later fire: each ends interrupted at once, with its task_error; a retry stays pending', async () => {
      build({ maxConcurrentRuns: 1 });
      executor.launch(fire('s1', { overlap: 'queue', maxRetries: 3 }));
      executor.launch(fire('s1', { overlap: 'queue' })); // queued behind run-1
      executor.launch(fire('s2')); // waits for a slot
      await afterStarts();
      const draining = executor.drain(5 * SECOND);
      executor.launch(fire('s3')); // after drain began
      await afterStarts();

      // Their starts were recorded (the API tells them started): they end now, never run.
      for (const id of ['run-2', 'run-3', 'run-4']) {
        expectLifecycle(id, false);
        expect(eventsOf(id)[0].payload).toMatchObject({ status: 'interrupted' });
        expect(journal.outcomeOf(id)).toMatchObject({
          status: 'interrupted',
          startedAt: null,
          durationMs: null,
        });
        expect(journal.outcomeOf(id)!.error).toContain('before the run could start');
      }

      // run-1 fails during the grace period: its retry row may be written (it stays pending, for
      // the next process to take over) but it is neither armed nor run here
      handler.callOf('run-1').reject(new Error('fails during drain'));
      await advance(6 * SECOND);
      await draining;

      expect(startedRunIds()).toEqual(['run-1']);
      expect(registry.getTimeouts()).toEqual([]);
      await advance(3_600 * SECOND);
      expect(handler.calls).toHaveLength(1);
      expect(startedRunIds()).toEqual(['run-1']);
    });

    it('says at once and every 2 s which runs it waits for and how long is left', async () => {
      const log = jest.spyOn(Logger.prototype, 'log');
      executor.launch(fire('s1', {}, { taskId: 'a' }));
      executor.launch(fire('s2', {}, { taskId: 'b' }));
      await afterStarts();
      const draining = executor.drain(10 * SECOND);
      await flush();
      const waiting = () =>
        log.mock.calls.map(([message]) => String(message)).filter((message) => message.startsWith('waiting'));
      expect(waiting()).toEqual(['waiting for 2 running run(s): Task one, Task one, 10 s left']);

      handler.callOf('run-1').resolve('ok');
      await advance(2 * SECOND);
      expect(waiting()).toHaveLength(2);
      expect(waiting()[1]).toBe('waiting for 1 running run(s): Task one, 8 s left');
      handler.callOf('run-2').resolve('ok');
      await advance(100);
      await draining;
      expect(waiting()).toHaveLength(2);
    });

    it('a second signal ends the wait: the runs still going are interrupted at once', async () => {
      executor.launch(fire());
      await afterStarts();
      let endGrace!: () => void;
      const draining = executor.drain(60 * SECOND, new Promise<void>((resolve) => (endGrace = resolve)));
      await advance(SECOND);
      expect(executor.activeCount).toBe(1);

      endGrace();
      await advance(20);
      await draining;
      expect(clock.nowMs() - T0).toBeLessThanOrEqual(SECOND + 40);
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'interrupted' });
      expect(handler.callOf('run-1').context.signal.aborted).toBe(true);
      expect(namesOf('run-1')).toEqual(['task_started', 'task_error']);
    });

    it('a retry whose start was being recorded when the drain began ends interrupted, not running', async () => {
      executor.launch({ ...fire(), recorded: false });
      const draining = executor.drain(5 * SECOND);
      await advance(100);
      await draining;

      expect(runs.startRecorded).toEqual(['run-1']);
      expect(handler.calls).toEqual([]);
      expectLifecycle('run-1', false);
      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'interrupted', startedAt: null });
    });

    it('disarms retries armed before the drain', async () => {
      executor.launch(fire('s1', { maxRetries: 3 }));
      await afterStarts();
      handler.callOf('run-1').reject(new Error('x'));
      await flush();
      expect(registry.getTimeouts()).toHaveLength(1);

      await executor.drain(SECOND);
      expect(registry.getTimeouts()).toEqual([]);
      await advance(3_600 * SECOND);
      expect(handler.calls).toHaveLength(1);
    });
  });
});
