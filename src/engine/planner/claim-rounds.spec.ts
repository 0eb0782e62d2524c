import { jest } from '@jest/globals';
import type { ScheduleEntity } from '../../persistence/schedule.entity';
import { DUE_BATCH } from './claim-rounds';
import { fireName, iso, MINUTE, plannerWorld, SECOND, T0 } from './fire-planner.test-helper';

describe('FirePlanner: claim rounds', () => {
  const w = plannerWorld();

  describe('a round', () => {
    it('reads a window busier than one round in several, in the same pass', async () => {
      const schedules = Array.from({ length: DUE_BATCH * 2 + 1 }, () => w.addSchedule('every 1s'));
      await w.start();

      expect(w.planner.passes).toBe(1);
      const claimed = w.store.runs.filter((run) => run.scheduledFor.getTime() === T0 + SECOND);
      expect(claimed).toHaveLength(schedules.length);
      expect(new Set(claimed.map((run) => run.scheduleId)).size).toBe(schedules.length);

      await w.advanceTo(SECOND);
      w.expectLaunchedTogether(schedules, T0 + SECOND);
    });

    it('arms nothing for a schedule further out than the horizon', async () => {
      const schedule = w.addSchedule('at:2027-02-10T00:00:00Z');
      w.addSchedule('every 1h');
      await w.start();
      await w.advanceTo(30 * SECOND);

      expect(w.store.runs).toEqual([]);
      expect(w.fireTimeouts()).toEqual([]);
      expect(w.store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date('2027-02-10T00:00:00Z'));
    });
  });

  describe('claims', () => {
    it('does not arm or launch a fire another instance already claimed', async () => {
      const schedule = w.addSchedule('every 1s');
      w.store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 + SECOND),
        status: 'pending',
        instanceId: 'other-instance',
      });
      await w.start();

      expect(w.fireTimeouts()).toEqual([fireName(T0 + 2 * SECOND)]);
      expect(w.planner.armedCount).toBe(1);
      await w.advanceTo(3 * SECOND);
      expect(w.executor.timeline()).toEqual([
        [2 * SECOND, 2 * SECOND],
        [3 * SECOND, 3 * SECOND],
      ]);
      expect(w.store.runsOf(schedule.id).filter((run) => run.scheduledFor.getTime() === T0 + SECOND)).toEqual(
        [expect.objectContaining({ instanceId: 'other-instance' })],
      );
    });

    it('arms nothing when every fire of the window was claimed elsewhere', async () => {
      const schedule = w.addSchedule('every 1s');
      for (const offset of [SECOND, 2 * SECOND]) {
        w.store.insertRun({
          taskId: schedule.taskId,
          scheduleId: schedule.id,
          scheduledFor: new Date(T0 + offset),
          status: 'pending',
          instanceId: 'other-instance',
        });
      }
      await w.start();

      expect(w.planner.armedCount).toBe(0);
      expect(w.fireTimeouts()).toEqual([]);
      await w.advanceTo(2 * SECOND);
      expect(w.executor.launches).toEqual([]);
    });

    it('claims each fire with the schedule version it read, and advances from the next_run_at it read', async () => {
      const schedule = w.addSchedule('every 1s', { version: 3 });
      await w.start();

      const [{ claims, advances }] = w.runs.claimCalls;
      expect(
        claims.map((claim) => [claim.scheduleId, claim.version, claim.scheduledFor.getTime() - T0]),
      ).toEqual([
        [schedule.id, 3, SECOND],
        [schedule.id, 3, 2 * SECOND],
      ]);
      expect(advances).toEqual([
        {
          scheduleId: schedule.id,
          version: 3,
          expectedNextRunAt: new Date(T0 + SECOND),
          nextRunAt: new Date(T0 + 3 * SECOND),
          lastRunAt: null,
        },
      ]);
    });
  });

  describe('disarmSchedule and the claims', () => {
    describe.each([
      ['paused', (schedule: ScheduleEntity) => Object.assign(schedule, { paused: true, version: 2 })],
      ['cancelled', (schedule: ScheduleEntity) => w.store.schedules.delete(schedule.id)],
    ] as const)('a schedule %s while a planning pass is in flight', (_change, change) => {
      it.each(['committed', 'uncommitted'] as const)(
        'completes without waiting for the pass, and none of its fires that pass claimed (%s before the delete) starts',
        async (commit) => {
          const stopped = w.addSchedule('every 1s');
          const kept = w.addSchedule('every 1s');
          w.runs.holdNextClaim = commit;
          w.planner.start();
          await jest.advanceTimersByTimeAsync(0);
          expect(w.runs.claimInFlight).toBe(true);

          // as ScheduleService does: store the change, then disarm
          change(w.store.schedules.get(stopped.id)!);
          let done = false;
          void w.planner.disarmSchedule(stopped.id).then(() => (done = true));
          await jest.advanceTimersByTimeAsync(0);
          expect(done).toBe(true);
          expect(w.runs.claimInFlight).toBe(true);

          w.runs.releaseClaim();
          await jest.advanceTimersByTimeAsync(0);
          // its claims are gone from the database, not only from memory
          expect(w.store.runsOf(stopped.id)).toEqual([]);
          expect(w.planner.armedCount).toBe(2);

          await w.advanceTo(3 * SECOND);
          expect(w.executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([
            kept.id,
            kept.id,
            kept.id,
          ]);
        },
      );
    });

    it("told by another instance (deletePending false): drops the armed fires and deletes only this instance's claims of them", async () => {
      const schedule = w.addSchedule('every 1s');
      await w.start();
      const claimed = w.store.runsOf(schedule.id).map((run) => run.id);
      expect(claimed).toHaveLength(2);
      const foreign = w.store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 + 5 * SECOND),
        status: 'pending',
        instanceId: 'someone-else',
      });

      await w.planner.disarmSchedule(schedule.id, { deletePending: false });
      expect(w.planner.armedCount).toBe(0);
      expect(w.store.runsOf(schedule.id)).toEqual([foreign]);
    });
  });

  describe('jitter', () => {
    it('launches each fire within [scheduledFor, scheduledFor + jitterSeconds)', async () => {
      for (let n = 0; n < 10; n++) w.addSchedule('every 2s', { jitterSeconds: 3 });
      await w.start();
      await w.advanceTo(30 * SECOND);

      const offsets = w.executor.timeline().map(([scheduled, launched]) => launched - scheduled);
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
      const early = w.addSchedule('in:10s', { jitterSeconds: 5 });
      await w.start();
      await w.advanceTo(9 * SECOND);
      random.mockReturnValue(0.999999999);
      const late = w.addSchedule('in:10s', { jitterSeconds: 5 }); // scheduled at T0 + 9 s: fires at T0 + 19 s
      await w.advanceTo(MINUTE);

      const byId = new Map(w.executor.launches.map(({ fire, atMs }) => [fire.run.scheduleId, atMs - T0]));
      expect(byId.get(early.id)).toBe(10 * SECOND);
      expect(byId.get(late.id)).toBe(19 * SECOND + 5 * SECOND - 1);
      expect(w.registry.getTimeouts().filter((name) => name.startsWith('scout:fire:'))).toEqual([]);
    });
  });

  describe('misfires after downtime', () => {
    // every 10 s on the half second; the schedule's last claimed instant was 5 min ago
    const downtime = (policy: ScheduleEntity['misfirePolicy']) =>
      w.addSchedule('every 10s', {
        misfirePolicy: policy,
        misfireGraceSeconds: 60,
        scheduledAt: new Date(T0 - 5 * MINUTE + 500 - 10 * SECOND),
        nextRunAt: new Date(T0 - 5 * MINUTE + 500),
      });
    const missedInstants = Array.from({ length: 30 }, (_, k) => -5 * MINUTE + 500 + k * 10 * SECOND);

    it('run_once: records the older instants missed (task_error, status missed) and runs the latest once', async () => {
      const schedule = downtime('run_once');
      await w.start();

      const missed = w.store.runsOf(schedule.id).filter((run) => run.status === 'missed');
      expect(missed.map((run) => run.scheduledFor.getTime() - T0)).toEqual(missedInstants.slice(0, -1));
      expect(w.errors).toHaveLength(29);
      expect(w.errors.map((event) => event.runId)).toEqual(missed.map((run) => run.id));
      for (const event of w.errors) {
        expect(event).toEqual({
          taskId: schedule.taskId,
          runId: expect.any(String),
          status: 'missed',
          error: expect.stringContaining('missed'),
          finishedAt: iso(T0),
        });
      }
      // the catch-up's claim records its start as now (when it was planned), not its instant
      const catchUp = w.store.runsOf(schedule.id).find((run) => run.status !== 'missed')!;
      expect(catchUp.scheduledFor).toEqual(new Date(T0 - 9_500));
      expect(catchUp.startedAt).toEqual(new Date(T0));
      // the catch-up for 9.5 s ago runs straight away; the next instant on time
      await w.advanceTo(SECOND);
      expect(w.executor.timeline()).toEqual([
        [-9_500, 0],
        [500, 500],
      ]);
      expect(w.store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date(T0 + 10_500));
    });

    it('skip: every missed instant is recorded missed, none runs', async () => {
      const schedule = downtime('skip');
      await w.start();
      await w.advanceTo(SECOND);

      expect(w.errors.map((event) => event.status)).toEqual(Array(30).fill('missed'));
      expect(w.store.runsOf(schedule.id).filter((run) => run.status === 'missed')).toHaveLength(30);
      expect(w.executor.timeline()).toEqual([[500, 500]]);
    });

    it('run_all: every missed instant runs now, oldest first', async () => {
      downtime('run_all');
      await w.start();
      await w.advanceTo(SECOND);

      expect(w.errors).toEqual([]);
      expect(w.executor.timeline()).toEqual([
        ...missedInstants.map((at): [number, number] => [at, 0]),
        [500, 500],
      ]);
    });

    it('a one-shot whose instant passed beyond the grace period is recorded missed and the schedule ends', async () => {
      const schedule = w.addSchedule('at:2026-12-31T23:50:00Z', { scheduledAt: new Date(T0 - 60 * MINUTE) });
      await w.start();
      await w.advanceTo(5 * SECOND);

      expect(w.errors).toEqual([expect.objectContaining({ taskId: schedule.taskId, status: 'missed' })]);
      expect(w.executor.launches).toEqual([]);
      expect(w.store.schedules.get(schedule.id)!.nextRunAt).toBeNull();
    });
  });
});
