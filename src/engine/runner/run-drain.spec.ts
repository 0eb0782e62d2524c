import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { Clock } from '../../common/clock';
import type { SchedulerOptions } from '../../config/scheduler-options';
import type { TaskHandler } from '../../tasks/task-handler';
import type { RunExecutor } from './run-executor.service';
import {
  advance,
  afterStarts,
  flush,
  SECOND,
  T0,
  useRunExecutorBed,
  type ControlledHandler,
  type FakeJournal,
  type FakeRuns,
} from './run-executor.test-helper';

describe('RunExecutor', () => {
  const bed = useRunExecutorBed();
  const { fire, eventsOf, namesOf, startedRunIds, expectLifecycle, build: rebuild } = bed;
  let executor: RunExecutor;
  let handler: ControlledHandler;
  let handlers: Map<string, TaskHandler>;
  let journal: FakeJournal;
  let runs: FakeRuns;
  let registry: SchedulerRegistry;
  let clock: Clock;
  beforeEach(() => ({ executor, handler, handlers, journal, runs, registry, clock } = bed));
  const build = (overrides?: Partial<SchedulerOptions>) => (executor = rebuild(overrides));

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

    it('a run whose handler returned but whose completion is not processed yet ends succeeded, before the last flush', async () => {
      handlers.set('sync', { run: () => 'done' });
      let flushedWith = -1;
      const flushJournal = journal.flush.bind(journal);
      journal.flush = () => {
        flushedWith = journal.outcomes.length;
        return flushJournal();
      };
      executor.launch(fire('s1', {}, { handler: 'sync' }));
      executor.launch(fire('s2', {}, { handler: 'sync' }));
      // A grace of 0 and no turn of the event loop: the completions are still waiting for their slice.
      await executor.drain(0);

      for (const runId of ['run-1', 'run-2']) {
        expect(journal.outcomeOf(runId)).toMatchObject({ status: 'succeeded', result: 'done' });
        expectLifecycle(runId, true);
      }
      expect(flushedWith).toBe(2);
      await flush();
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
