import { RUN_LEASE_MS } from '../cluster/leases';
import { fireName, plannerWorld, SECOND, T0 } from './fire-planner.test-helper';
import { PRESTART_MS } from './planner-timing';
import { WATERMARK_MARGIN_MS } from './start-recorder';

describe('FirePlanner: starting a group', () => {
  const w = plannerWorld();

  describe('at the instant', () => {
    it('launches the claimed run, with its task and policy, at exactly the scheduled millisecond', async () => {
      const schedule = w.addSchedule('every 5s', {
        overlapPolicy: 'queue',
        timeoutSeconds: 30,
        maxRetries: 2,
        retryBackoffSeconds: 7,
      });
      await w.start();
      expect(w.store.runs).toEqual([]); // T0 + 5 s is beyond the horizon

      await w.advanceTo(5 * SECOND - PRESTART_MS - 1);
      const [run] = w.store.runsOf(schedule.id);
      expect(run.scheduledFor).toEqual(new Date(T0 + 5 * SECOND));
      expect(run.status).toBe('pending');
      expect(w.fireTimeouts()).toEqual([fireName(T0 + 5 * SECOND)]);

      // Just before the instant its start is recorded (the watermark reaches its planned start);
      // the handler starts at the instant.
      await w.advanceTo(5 * SECOND - 1);
      expect(w.executor.launches).toEqual([]);
      expect(w.runs.watermarkCalls).toEqual([T0 + 5 * SECOND]);
      expect(w.store.runsOf(schedule.id)[0]).toMatchObject({
        status: 'pending',
        startedAt: new Date(T0 + 5 * SECOND),
      });

      await w.advanceTo(5 * SECOND);
      expect(w.executor.launches).toHaveLength(1);
      const { fire, atMs } = w.executor.launches[0];
      expect(atMs).toBe(T0 + 5 * SECOND);
      expect(fire).toEqual({
        run: expect.objectContaining({
          id: run.id,
          scheduleId: schedule.id,
          scheduledFor: new Date(T0 + 5 * SECOND),
        }),
        task: expect.objectContaining({ id: schedule.taskId, handler: 'noop', payload: { n: 1 } }),
        policy: { overlap: 'queue', timeoutMs: 30 * SECOND, maxRetries: 2, retryBackoffMs: 7 * SECOND },
        event: null,
        recorded: true,
      });
      // the timeout is gone from the registry once fired
      expect(w.fireTimeouts()).not.toContain(fireName(T0 + 5 * SECOND));
    });
  });

  describe('the start watermark', () => {
    it("records a group's start with one watermark write, no run-by-run update, then launches at the instant", async () => {
      const schedules = [w.addSchedule('every 1s'), w.addSchedule('every 1s'), w.addSchedule('every 1s')];
      await w.start();

      await w.advanceTo(SECOND - PRESTART_MS + 1);
      expect(w.runs.watermarkCalls).toEqual([T0 + SECOND]);
      expect(w.runs.startCalls).toEqual([]);
      const group = w.store.runs.filter((run) => run.scheduledFor.getTime() === T0 + SECOND);
      expect(group).toHaveLength(3);
      expect(group.every((run) => run.status === 'pending' && run.startedAt?.getTime() === T0 + SECOND)).toBe(
        true,
      );
      // written only while the group's leases have WATERMARK_MARGIN_MS left to run
      expect(w.runs.watermarkDeadlines).toEqual([T0 + SECOND + RUN_LEASE_MS - WATERMARK_MARGIN_MS]);

      await w.advanceTo(SECOND);
      w.expectLaunchedTogether(schedules, T0 + SECOND);
    });

    it('does not launch a claim deleted (paused elsewhere) or taken over after it was armed', async () => {
      const paused = w.addSchedule('every 1s');
      const taken = w.addSchedule('every 1s');
      const kept = w.addSchedule('every 1s');
      await w.start();
      // After the last tick's check, before the group's start: another instance paused one
      // schedule and took over the other's claim; this one has not heard yet.
      await w.advanceTo(SECOND - PRESTART_MS - 1);
      w.store.runs = w.store.runs.filter((run) => run.scheduleId !== paused.id);
      for (const run of w.store.runsOf(taken.id)) run.instanceId = 'someone-else';

      await w.advanceTo(SECOND);
      expect(w.runs.watermarkCalls).toEqual([T0 + SECOND]);
      expect(w.executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([kept.id]);
    });

    it('past the lease margin, falls back to recording each run (only those still held start)', async () => {
      const schedule = w.addSchedule('every 1s');
      const other = w.addSchedule('every 1s');
      await w.start();
      // after the last tick's check, before the group's start
      await w.advanceTo(SECOND - PRESTART_MS - 1);
      w.runs.watermarkTooLate = true;
      for (const run of w.store.runsOf(other.id)) run.instanceId = 'someone-else';

      await w.advanceTo(SECOND);
      expect(w.runs.watermarkCalls).toEqual([]);
      expect(w.runs.startCalls).toHaveLength(1);
      expect(w.runs.startCalls[0]).toHaveLength(2);
      expect(w.executor.launches.map(({ fire }) => fire.run.scheduleId)).toEqual([schedule.id]);
      expect(w.store.runsOf(schedule.id)[0]).toMatchObject({
        status: 'running',
        startedAt: new Date(T0 + SECOND),
      });
      expect(WATERMARK_MARGIN_MS).toBeLessThan(RUN_LEASE_MS);
    });

    it('a run taken over from a dead instance is started run by run, never by the watermark', async () => {
      const schedule = w.addSchedule('every 1h');
      const run = w.store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(T0 + SECOND),
        status: 'pending',
        instanceId: w.identity.id,
      });
      await w.start();
      await w.planner.armTakenOver([{ ...run }]);

      await w.advanceTo(SECOND);
      expect(w.runs.startCalls).toEqual([[run.id]]);
      expect(w.runs.watermarkCalls).toEqual([]);
      expect(w.executor.launches.map(({ fire }) => fire.run.id)).toEqual([run.id]);
    });
  });
});
