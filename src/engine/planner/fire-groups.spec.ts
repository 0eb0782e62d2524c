import { fireName, plannerWorld, SECOND, T0 } from './fire-planner.test-helper';

describe('FirePlanner: fire groups', () => {
  const w = plannerWorld();

  it('shares one timeout between the fires of the same instant', async () => {
    const schedules = [w.addSchedule('every 1s'), w.addSchedule('every 1s'), w.addSchedule('every 1s')];
    await w.start();

    expect(w.planner.armedCount).toBe(6);
    expect(w.fireTimeouts()).toEqual([fireName(T0 + SECOND), fireName(T0 + 2 * SECOND)]);

    await w.advanceTo(SECOND);
    w.expectLaunchedTogether(schedules, T0 + SECOND);
  });

  describe('disarmSchedule', () => {
    it('removes the armed fires of that schedule (nothing launched) and deletes its pending claims', async () => {
      const gone = w.addSchedule('every 1s');
      const kept = w.addSchedule('every 1s');
      await w.start();
      expect(w.planner.armedCount).toBe(4);

      // as ScheduleService.pause does: bump the version, then disarm
      Object.assign(w.store.schedules.get(gone.id)!, { paused: true, version: 2 });
      await w.planner.disarmSchedule(gone.id);

      expect(w.planner.armedCount).toBe(2);
      expect(w.store.runsOf(gone.id)).toEqual([]);
      expect(w.executor.cancelled).toEqual([gone.id]);
      // the shared timeouts stay: the other schedule's fires are in them
      expect(w.fireTimeouts()).toEqual([fireName(T0 + SECOND), fireName(T0 + 2 * SECOND)]);

      await w.advanceTo(3 * SECOND);
      expect(w.executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([kept.id, kept.id, kept.id]);
    });

    it('removes the timeouts from the registry when no other fire shares them', async () => {
      const schedule = w.addSchedule('every 1s');
      await w.start();
      expect(w.fireTimeouts()).toHaveLength(2);

      Object.assign(w.store.schedules.get(schedule.id)!, { paused: true, version: 2 });
      await w.planner.disarmSchedule(schedule.id);
      expect(w.fireTimeouts()).toEqual([]);
      expect(w.planner.armedCount).toBe(0);

      await w.advanceTo(5 * SECOND);
      expect(w.executor.launches).toEqual([]);
    });
  });
});
