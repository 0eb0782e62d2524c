import { jest } from '@jest/globals';
import type { SchedulerEventEmitter } from '../../events/scheduler-event.emitter';
import type { TaskHandler } from '../../tasks/task-handler';
import type { RunExecutor } from './run-executor.service';
import {
  advance,
  afterStarts,
  flush,
  iso,
  SECOND,
  T0,
  useRunExecutorBed,
  type ControlledHandler,
  type Event,
  type FakeJournal,
  type FakeRuns,
} from './run-executor.test-helper';

describe('RunExecutor', () => {
  const bed = useRunExecutorBed();
  const { fire, namesOf, expectLifecycle } = bed;
  let executor: RunExecutor;
  let handler: ControlledHandler;
  let handlers: Map<string, TaskHandler>;
  let journal: FakeJournal;
  let runs: FakeRuns;
  let emitter: SchedulerEventEmitter;
  let events: Event[];
  beforeEach(() => ({ executor, handler, handlers, journal, runs, emitter, events } = bed));

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

    it("records and tells a run's error and result without its task's secret header values", async () => {
      const secretPayload = { url: 'http://127.0.0.1:9/', headers: { Authorization: 'Bearer tok-777' } };
      handlers.set('echo', { run: () => ({ echoed: 'Bearer tok-777' }) });
      handlers.set('leaks', { run: () => Promise.reject(new Error('401 for token tok-777')) });
      const echo = fire('a', {}, { handler: 'echo' });
      const leaks = fire('b', {}, { handler: 'leaks' });
      echo.task.payload = secretPayload;
      leaks.task.payload = secretPayload;
      executor.launch(echo);
      executor.launch(leaks);
      await flush();

      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'succeeded', result: { echoed: '***' } });
      expect(journal.outcomeOf('run-2')).toMatchObject({ status: 'failed', error: '401 for token ***' });
      expect(JSON.stringify(events)).not.toContain('tok-777');
      expect(events.map((event) => event.name)).toContain('task_finished');
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
      // The announcement and then the completions give way to the event loop (a slice ran past
      // its end on the clock moved above): a few turns.
      await advance(10);

      expect(journal.outcomeOf('run-1')).toMatchObject({ status: 'succeeded', durationMs: 0 });
    });

    it('announces a group in slices, and a run that ends before its slice announces its start first', async () => {
      executor = bed.build({ maxConcurrentRuns: 1_000 });
      handlers.set('quick', { run: () => Promise.resolve('quick') });
      // 250 starts: the first slice of announcements goes out, then the event loop turns and
      // the handlers' promises settle before the later slices.
      const fires = Array.from({ length: 250 }, (_, i) => fire(`schedule-${i}`, {}, { handler: 'quick' }));
      for (const f of fires) executor.launch(f);
      await flush();

      for (const f of fires) expectLifecycle(f.run.id, true);
      const names = events.map((event) => event.name);
      expect(names.indexOf('task_finished')).toBeLessThan(names.lastIndexOf('task_started'));
      expect(journal.outcomes.map((outcome) => outcome.status)).toEqual(Array(250).fill('succeeded'));
    });

    it('a run whose handler returned gives its slot to the next fire before its completion is processed', async () => {
      executor = bed.build({ maxConcurrentRuns: 1 });
      handlers.set('sync', { run: () => 'done' });
      const [first, second] = [
        fire('schedule-1', {}, { handler: 'sync' }),
        fire('schedule-2', {}, { handler: 'sync' }),
      ];
      executor.launch(first);
      executor.launch(second); // waits for the only slot
      expect(executor.waitingCount).toBe(1);
      await flush();

      // The second run started (and was announced) before the first one's end was even recorded.
      const order = events.map((event) => `${event.name}:${(event.payload as { runId: string }).runId}`);
      expect(order.indexOf(`task_started:${second.run.id}`)).toBeLessThan(
        order.indexOf(`task_finished:${first.run.id}`),
      );
      expectLifecycle(first.run.id, true);
      expectLifecycle(second.run.id, true);
      expect(executor.activeCount).toBe(0);
    });

    it('a run whose handler returned counts as handled here until its completion is processed', async () => {
      handlers.set('sync', { run: () => 'done' });
      let handledWhileAnnounced: boolean | null = null;
      const f = fire('schedule-1', {}, { handler: 'sync' });
      emitter.subscribe((name) => {
        if (name === 'task_started') handledWhileAnnounced = executor.isHandling(f.run.id);
      });
      executor.launch(f);
      await flush();

      expect(handledWhileAnnounced).toBe(true);
      expect(executor.isHandling(f.run.id)).toBe(false);
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
});
