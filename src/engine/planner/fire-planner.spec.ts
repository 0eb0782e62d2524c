import { fireName, iso, MINUTE, plannerWorld, SECOND, T0 } from './fire-planner.test-helper';
import { DUE_BATCH } from './claim-rounds';
import { PLANNER_JOB } from './fire-planner.service';
import { HORIZON_MS, PRESTART_MS, TICK_MS, TICK_PHASE_MS } from './planner-timing';

describe('FirePlanner: the tick loop', () => {
  const w = plannerWorld();

  describe('a tick', () => {
    it('claims the fires due within the horizon and arms them under scout:fire:<ISO>', async () => {
      const schedule = w.addSchedule('every 1s');
      await w.start();

      expect(HORIZON_MS).toBe(2 * SECOND);
      // The periodic tick starts just after a whole second (TICK_PHASE_MS), once its fires have started.
      expect(w.registry.getIntervals()).toEqual([]);
      await w.advanceTo(TICK_PHASE_MS);
      expect(w.registry.getIntervals()).toEqual([PLANNER_JOB]);
      expect(w.store.runsOf(schedule.id).map((run) => [iso(run.scheduledFor.getTime()), run.status])).toEqual(
        [
          [iso(T0 + SECOND), 'pending'],
          [iso(T0 + 2 * SECOND), 'pending'],
        ],
      );
      expect(w.store.runsOf(schedule.id).every((run) => run.instanceId === w.identity.id)).toBe(true);
      expect(w.fireTimeouts()).toEqual([fireName(T0 + SECOND), fireName(T0 + 2 * SECOND)]);
      expect(w.planner.armedCount).toBe(2);
      // next_run_at moved past what was claimed
      expect(w.store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date(T0 + 3 * SECOND));
      expect(w.executor.launches).toEqual([]);
    });

    it('keeps firing: next_run_at advances and every following tick arms the next fire, each once, on time', async () => {
      const schedule = w.addSchedule('every 1s');
      await w.start();
      await w.advanceTo(10 * SECOND);

      expect(w.executor.timeline()).toEqual(
        Array.from({ length: 10 }, (_, k): [number, number] => [(k + 1) * SECOND, (k + 1) * SECOND]),
      );
      const runIds = w.executor.launches.map(({ fire }) => fire.run.id);
      expect(new Set(runIds).size).toBe(10);
      // one row per instant (the claim key), claimed up to the horizon
      const instants = w.store.runsOf(schedule.id).map((run) => run.scheduledFor.getTime());
      expect(new Set(instants).size).toBe(instants.length);
      // The last tick ran at 9 s + TICK_PHASE_MS (ticks are at TICK_PHASE_MS into each second).
      const claimedUntil = Math.floor((T0 + 9 * SECOND + TICK_PHASE_MS + HORIZON_MS) / SECOND) * SECOND;
      expect(Math.max(...instants)).toBe(claimedUntil);
      expect(w.store.schedules.get(schedule.id)!.nextRunAt).toEqual(new Date(claimedUntil + SECOND));
      expect(TICK_MS).toBeLessThan(HORIZON_MS);
    });

    it('a one-shot fires once and the schedule is then finished', async () => {
      const schedule = w.addSchedule('in:3s');
      await w.start();
      await w.advanceTo(MINUTE);

      expect(w.executor.timeline()).toEqual([[3 * SECOND, 3 * SECOND]]);
      expect(w.store.schedules.get(schedule.id)!.nextRunAt).toBeNull();
    });
  });

  describe('while the database is unreachable', () => {
    it('runs no pass; the next tick after it is back does', async () => {
      w.addSchedule('every 1s');
      w.database.reachable = false;
      await w.start();
      await w.planner.tick();
      expect(w.planner.passes).toBe(0);
      expect(w.runs.claimCalls).toEqual([]);

      w.database.reachable = true;
      await w.advanceTo(TICK_PHASE_MS);
      expect(w.planner.passes).toBe(1);
      expect(w.planner.armedCount).toBe(2);
    });
  });

  describe('pacing', () => {
    it('a pass that overran its second is followed at once by the next, then the ticks are back on phase', async () => {
      w.addSchedule('every 1s');
      await w.start();
      await w.advanceTo(SECOND + TICK_PHASE_MS - 1);
      w.runs.claimTimes.length = 0;

      // The pass at 1.1 s takes 1.5 s: the tick at 2.1 s finds it in flight.
      w.runs.nextClaimDelayMs = 1_500;
      await w.advanceTo(4 * SECOND + TICK_PHASE_MS);
      // 1.1 s claims 3 s (its horizon ends at 3.1 s), 2.6 s claims 4 s, and the ticks are back on phase.
      expect(w.runs.claimTimes.map((ms) => ms - T0)).toEqual([
        SECOND + TICK_PHASE_MS,
        2 * SECOND + 600,
        3 * SECOND + TICK_PHASE_MS,
        4 * SECOND + TICK_PHASE_MS,
      ]);
      expect(
        w.runs.claimCalls
          .slice(-4)
          .map((call) => call.claims.map((claim) => claim.scheduledFor.getTime() - T0)),
      ).toEqual([[3 * SECOND], [4 * SECOND], [5 * SECOND], [6 * SECOND]]);
      expect(w.executor.timeline().map(([scheduled]) => scheduled)).toEqual(
        [1, 2, 3, 4].map((n) => n * SECOND),
      );
    });

    it('a pass that has run for a second hands over to the next, which goes on at once', async () => {
      const schedules = Array.from({ length: DUE_BATCH + 1 }, () => w.addSchedule('every 1s'));
      await w.start();
      await w.advanceTo(SECOND + TICK_PHASE_MS - 1);
      const passes = w.planner.passes;

      // The first round's claim answers 1.2 s later (at 2.3 s): the pass ends there, completed,
      // and the next one's first claim takes 300 ms more.
      w.runs.claimDelaysMs.push(1_200, 300);
      await w.advanceTo(2 * SECOND + 301);
      expect(w.planner.passes).toBe(passes + 1);

      // The next pass claimed the schedule the first one had no round left for, in time.
      await w.advanceTo(3 * SECOND);
      const atThree = w.executor.launches.filter(
        ({ fire }) => fire.run.scheduledFor.getTime() === T0 + 3 * SECOND,
      );
      expect(atThree.map(({ fire }) => fire.run.scheduleId).sort()).toEqual(
        schedules.map((s) => s.id).sort(),
      );
      expect(atThree.every(({ atMs }) => atMs === T0 + 3 * SECOND)).toBe(true);
    });

    it('a plan asked for during a pass (a schedule created) runs once more right after it', async () => {
      await w.start();
      await w.advanceTo(TICK_PHASE_MS - 1);
      w.runs.claimTimes.length = 0;

      w.runs.nextClaimDelayMs = 300;
      const first = w.addSchedule('every 1s');
      await w.advanceTo(TICK_PHASE_MS + 100);
      const created = w.addSchedule('every 1s');
      void w.planner.tick();
      void w.planner.tick();
      await w.advanceTo(TICK_PHASE_MS + 300);

      expect(w.runs.claimTimes.map((ms) => ms - T0)).toEqual([TICK_PHASE_MS, TICK_PHASE_MS + 300]);
      expect(w.store.runsOf(first.id)).toHaveLength(2);
      expect(w.store.runsOf(created.id)).toHaveLength(2);
    });
  });

  describe('stop', () => {
    it('removes the planner job and every armed fire from the registry; nothing fires afterwards', async () => {
      w.addSchedule('every 1s');
      await w.start();
      expect(w.fireTimeouts()).toHaveLength(2);

      await w.planner.stop();
      expect(w.registry.getIntervals()).toEqual([]);
      expect(w.registry.getTimeouts()).toEqual([]);
      expect(w.planner.armedCount).toBe(0);

      const claimed = w.store.runs.length;
      await w.advanceTo(10 * SECOND);
      expect(w.executor.launches).toEqual([]);
      expect(w.store.runs).toHaveLength(claimed);
    });

    it('lets a group whose start is being recorded start at its instant before it returns', async () => {
      const schedule = w.addSchedule('every 1s');
      await w.start();
      await w.advanceTo(SECOND - PRESTART_MS + 1); // the group's watermark is written
      expect(w.runs.watermarkCalls).toEqual([T0 + SECOND]);

      let stopped = false;
      const stopping = w.planner.stop().then(() => (stopped = true));
      await w.advanceTo(SECOND - 1);
      expect(stopped).toBe(false);
      await w.advanceTo(SECOND);
      await stopping;
      expect(w.executor.launches.map(({ fire, atMs }) => [fire.run.scheduleId, atMs])).toEqual([
        [schedule.id, T0 + SECOND],
      ]);
      await w.advanceTo(10 * SECOND);
      expect(w.executor.launches).toHaveLength(1);
    });
  });
});
