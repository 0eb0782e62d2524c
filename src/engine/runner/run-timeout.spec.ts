import { jest } from '@jest/globals';
import type { SchedulerOptions } from '../../config/scheduler-options';
import type { TaskHandler } from '../../tasks/task-handler';
import type { ActiveRun } from './run-context';
import type { RunExecutor } from './run-executor.service';
import { armTimeout } from './run-timeout';
import {
  advance,
  afterStarts,
  flush,
  iso,
  SECOND,
  T0,
  useRunExecutorBed,
  type ControlledHandler,
  type FakeJournal,
} from './run-executor.test-helper';

describe('RunExecutor', () => {
  const bed = useRunExecutorBed();
  const { fire, eventsOf, namesOf, startedRunIds, expectLifecycle, build: rebuild } = bed;
  let executor: RunExecutor;
  let handler: ControlledHandler;
  let handlers: Map<string, TaskHandler>;
  let journal: FakeJournal;
  beforeEach(() => ({ executor, handler, handlers, journal } = bed));
  const build = (overrides?: Partial<SchedulerOptions>) => (executor = rebuild(overrides));

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
});

describe('armTimeout', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it('never ends a run before its timeout by the clock, even when the timer wakes early', async () => {
    const settled: Array<{ status: string; atMs: number }> = [];
    const active = {
      fire: { policy: { timeoutMs: 1_000 } },
      startedAt: new Date(T0),
      controller: null,
      abortReason: null,
      timeoutMs: 1_000,
      timeout: null,
      settle: (status: string) => settled.push({ status, atMs: clockMs() }),
    } as unknown as ActiveRun;
    // After the timeout is armed, the service's clock falls 2 ms behind the timers' (an offset
    // correction, or a timer woken a little early).
    let lagMs = 0;
    const clockMs = () => Date.now() - lagMs;
    armTimeout(active, clockMs);
    lagMs = 2;

    await jest.advanceTimersByTimeAsync(1_000);
    expect(settled).toEqual([]);
    await jest.advanceTimersByTimeAsync(2);
    expect(settled).toEqual([{ status: 'timed_out', atMs: T0 + 1_000 }]);
  });
});
