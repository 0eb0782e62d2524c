import { jest } from '@jest/globals';
import type { ScheduleEntity } from '../../persistence/schedule.entity';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import { DUE_BATCH } from './claim-rounds';
import { fireName, iso, MINUTE, plannerWorld, SECOND, T0 } from './fire-planner.test-helper';
import { INSTANCE_LEASE_MS } from '../cluster/leases';
import { TICK_PHASE_MS } from './planner-timing';

describe('FirePlanner: takeover', () => {
  const w = plannerWorld();

  describe('armTakenOver', () => {
    const takenOver = (schedule: ScheduleEntity, offsetMs: number, extra: Partial<TaskRunEntity> = {}) => ({
      ...w.insertClaim(schedule, offsetMs, extra),
    });

    it('arms a future pending run for its instant and records a too-late one as missed', async () => {
      const schedule = w.addSchedule('every 1h');
      const tooLate = takenOver(schedule, -10 * MINUTE);
      const future = takenOver(schedule, 30 * SECOND);

      await w.planner.armTakenOver([tooLate, future]);

      expect(w.journal.outcomes).toEqual([
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
      expect(w.errors).toEqual([
        {
          taskId: schedule.taskId,
          runId: tooLate.id,
          status: 'missed',
          error: expect.stringContaining('missed'),
          finishedAt: iso(T0),
        },
      ]);
      expect(w.fireTimeouts()).toEqual([fireName(T0 + 30 * SECOND)]);

      await w.advanceTo(30 * SECOND - 1);
      expect(w.executor.launches).toEqual([]);
      await w.advanceTo(30 * SECOND);
      expect(w.executor.launches.map(({ fire, atMs }) => [fire.run.id, atMs - T0])).toEqual([
        [future.id, 30 * SECOND],
      ]);
      await w.advanceTo(2 * MINUTE);
      expect(w.executor.launches).toHaveLength(1);
    });

    it('runs a late one within the grace period straight away; of several late ones only the latest (run_once)', async () => {
      const schedule = w.addSchedule('every 1h');
      const older = takenOver(schedule, -50 * SECOND);
      const latest = takenOver(schedule, -20 * SECOND);

      await w.planner.armTakenOver([older, latest]);
      await jest.advanceTimersByTimeAsync(0);

      expect(w.executor.launches.map(({ fire, atMs }) => [fire.run.id, atMs])).toEqual([[latest.id, T0]]);
      expect(w.journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
        [older.id, 'missed'],
      ]);
      // its start is recorded as when it really started, not its instant
      expect(w.store.runs.find((run) => run.id === latest.id)).toMatchObject({
        status: 'running',
        startedAt: new Date(T0),
      });
    });

    it('records a late one missed when the planner makes the schedule its own catch-up run (run_once)', async () => {
      // the schedule itself fell behind: the planner's latest missed instant is the one catch-up
      const schedule = w.addSchedule('every 1h', { nextRunAt: new Date(T0 - 30 * MINUTE) });
      const late = takenOver(schedule, -20 * SECOND);

      await w.planner.armTakenOver([late]);
      await jest.advanceTimersByTimeAsync(0);

      expect(w.executor.launches).toEqual([]);
      expect(w.journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
        [late.id, 'missed'],
      ]);
    });

    it('records missed a run whose task or schedule was deleted', async () => {
      const schedule = w.addSchedule('every 1h');
      const orphan = takenOver(schedule, 10 * SECOND);
      w.store.schedules.delete(schedule.id);
      const taskless = w.addSchedule('every 1h');
      const noTask = takenOver(taskless, 10 * SECOND);
      w.store.tasks.delete(taskless.taskId);

      await w.planner.armTakenOver([orphan, noTask]);
      await w.advanceTo(MINUTE);

      expect(w.executor.launches).toEqual([]);
      expect(w.journal.outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([
        [orphan.id, 'missed'],
        [noTask.id, 'missed'],
      ]);
      for (const outcome of w.journal.outcomes) expect(outcome.error).toContain('deleted');
    });

    it('arms a run without a schedule (a manual run left pending) with the default policy', async () => {
      const schedule = w.addSchedule('every 1h');
      const manual = { ...takenOver(schedule, 5 * SECOND, { scheduleId: null, trigger: 'manual' }) };

      await w.planner.armTakenOver([manual]);
      await w.advanceTo(5 * SECOND);

      expect(w.executor.launches).toHaveLength(1);
      expect(w.executor.launches[0].fire.run.id).toBe(manual.id);
      expect(w.executor.launches[0].fire.policy).toEqual({
        overlap: 'allow',
        timeoutMs: null,
        maxRetries: 0,
        retryBackoffMs: 10 * SECOND,
      });
    });
  });

  describe('the safety net (reconcile)', () => {
    it("on the second's tick takes over expired claims, a batch at a time, and starts them run by run", async () => {
      const schedule = w.addSchedule('every 1h');
      const orphan = w.insertClaim(schedule, 2 * SECOND, { instanceId: 'dead-instance' });
      w.runs.expired = [orphan];
      await w.start();

      expect(w.runs.takeOverCalls).toEqual([T0]);
      expect(w.runs.takeOverLimits).toEqual([DUE_BATCH]);
      expect(w.planner.armedCount).toBe(1);
      await w.advanceTo(2 * SECOND);
      expect(w.runs.startCalls).toEqual([[orphan.id]]);
      expect(w.executor.launches.map(({ fire, atMs }) => [fire.run.id, atMs - T0])).toEqual([
        [orphan.id, 2 * SECOND],
      ]);
    });

    it('takes nothing over until the database has been reachable for an instance lease', async () => {
      const schedule = w.addSchedule('every 1h');
      w.runs.expired = [w.insertClaim(schedule, 5 * SECOND, { instanceId: 'peer-seen-dead' })];
      w.database.reachableForMs = INSTANCE_LEASE_MS - 1;
      await w.start();
      expect(w.runs.takeOverCalls).toEqual([]);
      expect(w.planner.armedCount).toBe(0);

      w.database.reachableForMs = INSTANCE_LEASE_MS;
      await w.advanceTo(TICK_PHASE_MS);
      expect(w.runs.takeOverCalls).toEqual([T0 + TICK_PHASE_MS]);
      expect(w.planner.armedCount).toBe(1);
    });

    it('runs once a second: a plan asked for between ticks does not', async () => {
      await w.start();
      expect(w.runs.takeOverCalls).toHaveLength(1);

      await w.planner.tick();
      await w.planner.tick();
      expect(w.runs.takeOverCalls).toHaveLength(1);
      await w.advanceTo(TICK_PHASE_MS);
      expect(w.runs.takeOverCalls).toHaveLength(2);
    });

    it('drops armed fires this instance no longer holds (their schedule paused elsewhere, the notice missed)', async () => {
      const gone = w.addSchedule('every 1s');
      const kept = w.addSchedule('every 1s');
      await w.start();
      expect(w.planner.armedCount).toBe(4);

      // another instance paused the schedule and deleted its claims; this one was not told
      w.store.schedules.get(gone.id)!.paused = true;
      w.store.runs = w.store.runs.filter((run) => run.scheduleId !== gone.id);
      await w.advanceTo(TICK_PHASE_MS);
      expect(w.planner.armedCount).toBe(2); // kept's 1 s and 2 s

      await w.advanceTo(3 * SECOND);
      expect(w.executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([kept.id, kept.id, kept.id]);
    });
  });
});
