import { jest } from '@jest/globals';
import { Clock } from '../../common/clock';
import type { RunClaimsRepository } from '../../persistence/run-claims.repository';
import { MINUTE, plannerWorld, SECOND, T0 } from './fire-planner.test-helper';
import { LastRunWriter } from './last-run-writer';
import { TICK_PHASE_MS } from './planner-timing';

describe("FirePlanner: schedules' last runs", () => {
  const w = plannerWorld();

  it("moves the schedule's last run: with its next advance, or at the end of the pass when none is due", async () => {
    const often = w.addSchedule('every 1s');
    const minutely = w.addSchedule('every 1m');
    await w.start();

    await w.advanceTo(SECOND + TICK_PHASE_MS);
    const carried = w.runs.claimCalls.flatMap((call) => call.advances).filter((a) => a.lastRunAt !== null);
    expect(carried).toEqual([
      expect.objectContaining({ scheduleId: often.id, lastRunAt: new Date(T0 + SECOND) }),
    ]);
    expect(w.store.schedules.get(often.id)!.lastRunAt).toEqual(new Date(T0 + SECOND));
    expect(w.runs.touchCalls).toEqual([]);

    await w.advanceTo(MINUTE + TICK_PHASE_MS);
    expect(w.store.schedules.get(minutely.id)!.lastRunAt).toEqual(new Date(T0 + MINUTE));
    expect(w.runs.touchCalls.flat()).toEqual([{ scheduleId: minutely.id, at: new Date(T0 + MINUTE) }]);
  });

  it('leaves a start noted during a long pass to the next pass, not a write of its own', async () => {
    const often = w.addSchedule('every 1s');
    const minutely = w.addSchedule('every 1m');
    await w.start();
    await w.advanceTo(MINUTE - SECOND + TICK_PHASE_MS - 1);
    w.runs.touchCalls.length = 0;

    // The pass at 59.1 s takes 900 ms: the minute's group starts (and is noted) at 59.8 s, inside it.
    w.runs.nextClaimDelayMs = 900;
    await w.advanceTo(MINUTE);
    expect(w.executor.launches.some(({ fire }) => fire.run.scheduleId === minutely.id)).toBe(true);
    expect(w.runs.touchCalls).toEqual([]);
    expect(w.store.schedules.get(minutely.id)!.lastRunAt).toBeNull();

    // The next pass writes it; the every-second schedule's starts go with its advances.
    await w.advanceTo(MINUTE + TICK_PHASE_MS);
    expect(w.runs.touchCalls.flat()).toEqual([{ scheduleId: minutely.id, at: new Date(T0 + MINUTE) }]);
    expect(w.store.schedules.get(often.id)!.lastRunAt).toEqual(new Date(T0 + MINUTE));
  });

  it('writes the last runs still unwritten when it stops', async () => {
    const minutely = w.addSchedule('every 1m');
    await w.start();
    await w.advanceTo(MINUTE + 1);
    expect(w.store.schedules.get(minutely.id)!.lastRunAt).toBeNull();

    await w.planner.stop();
    expect(w.store.schedules.get(minutely.id)!.lastRunAt).toEqual(new Date(T0 + MINUTE));
  });
});

describe('LastRunWriter', () => {
  const at = (ms: number) => new Date(T0 + ms);
  let touched: Array<Array<{ scheduleId: string; at: Date }>>;
  let failNext: boolean;
  let writer: LastRunWriter;

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    touched = [];
    failNext = false;
    const claims = {
      touchLastRun: (starts: Array<{ scheduleId: string; at: Date }>) => {
        if (failNext) return Promise.reject(new Error('connection lost'));
        touched.push(starts);
        return Promise.resolve();
      },
    };
    writer = new LastRunWriter(claims as unknown as RunClaimsRepository, new Clock());
  });

  afterEach(() => jest.useRealTimers());

  it("keeps a schedule's latest start, for its advance to carry once", () => {
    writer.noteStart('s1', T0 + 2 * SECOND);
    writer.noteStart('s1', T0 + SECOND);

    expect(writer.takeLastStart('s1')).toEqual(at(2 * SECOND));
    expect(writer.takeLastStart('s1')).toBeNull();
  });

  it('writes only the starts noted before the pass began, in one statement', async () => {
    writer.noteStart('s1', T0);
    jest.advanceTimersByTime(10);
    writer.noteStart('s2', T0 + 10);

    await writer.writeLastStarts(T0 + 10);
    expect(touched).toEqual([[{ scheduleId: 's1', at: at(0) }]]);
    await writer.writeLastStarts(Infinity);
    expect(touched).toEqual([[{ scheduleId: 's1', at: at(0) }], [{ scheduleId: 's2', at: at(10) }]]);
  });

  it('keeps the starts of a failed write for the next one', async () => {
    writer.noteStart('s1', T0 + SECOND);
    failNext = true;
    await expect(writer.writeLastStarts(Infinity)).rejects.toThrow('connection lost');

    failNext = false;
    await writer.writeLastStarts(Infinity);
    expect(touched).toEqual([[{ scheduleId: 's1', at: at(SECOND) }]]);
  });
});
