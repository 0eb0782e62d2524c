import type { Clock } from '../../common/clock';
import type { SchedulerOptions } from '../../config/scheduler-options';
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
} from './run-executor.test-helper';

describe('RunExecutor', () => {
  const bed = useRunExecutorBed();
  const { fire, eventsOf, namesOf, startedRunIds, expectLifecycle, build: rebuild } = bed;
  let executor: RunExecutor;
  let handler: ControlledHandler;
  let journal: FakeJournal;
  let events: Event[];
  let clock: Clock;
  beforeEach(() => ({ executor, handler, journal, events, clock } = bed));
  const build = (overrides?: Partial<SchedulerOptions>) => (executor = rebuild(overrides));

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
});
