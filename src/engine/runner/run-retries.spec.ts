import type { SchedulerRegistry } from '@nestjs/schedule';
import type { Clock } from '../../common/clock';
import type { TaskHandler, TaskRunContext } from '../../tasks/task-handler';
import type { InstanceIdentity } from '../cluster/instance-identity';
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
  const { fire, namesOf } = bed;
  let executor: RunExecutor;
  let handler: ControlledHandler;
  let handlers: Map<string, TaskHandler>;
  let journal: FakeJournal;
  let runs: FakeRuns;
  let identity: InstanceIdentity;
  let registry: SchedulerRegistry;
  let clock: Clock;
  beforeEach(() => ({ executor, handler, handlers, journal, runs, identity, registry, clock } = bed));

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
});
