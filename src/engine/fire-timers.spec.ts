import { jest } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { FireTimers, MAX_TIMER_MS } from './fire-timers';

const SECOND = 1_000;
const DAY = 86_400_000;
const START = new Date('2027-01-01T00:00:00Z').getTime();

describe('FireTimers', () => {
  let registry: SchedulerRegistry;
  let clock: Clock;
  let timers: FireTimers;

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    registry = new SchedulerRegistry();
    clock = new Clock();
    timers = new FireTimers(registry, clock);
  });

  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** A callback that records the clock time of each call. */
  const recorder = () => {
    const calls: number[] = [];
    return { calls, callback: () => void calls.push(clock.nowMs()) };
  };

  it('fires at the exact millisecond, once', () => {
    const { calls, callback } = recorder();
    timers.arm('job', START + 1_500, callback);

    jest.advanceTimersByTime(1_499);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual([START + 1_500]);
    jest.advanceTimersByTime(60 * SECOND);
    expect(calls).toEqual([START + 1_500]);
  });

  it('keeps the name in the registry while armed and removes it once fired', () => {
    const { calls, callback } = recorder();
    timers.arm('scout:fire:x', START + SECOND, callback);

    expect(registry.getTimeouts()).toEqual(['scout:fire:x']);
    expect(timers.isArmed('scout:fire:x')).toBe(true);
    jest.advanceTimersByTime(999);
    expect(registry.doesExist('timeout', 'scout:fire:x')).toBe(true);

    jest.advanceTimersByTime(1);
    expect(calls).toHaveLength(1);
    expect(registry.getTimeouts()).toEqual([]);
    expect(timers.isArmed('scout:fire:x')).toBe(false);
  });

  it('removes the name before calling back, so the callback may arm the same name again', () => {
    const calls: number[] = [];
    const tick = () => {
      calls.push(clock.nowMs());
      if (calls.length < 3) timers.arm('again', clock.nowMs() + SECOND, tick);
    };
    timers.arm('again', START + SECOND, tick);

    jest.advanceTimersByTime(10 * SECOND);
    expect(calls).toEqual([START + SECOND, START + 2 * SECOND, START + 3 * SECOND]);
    expect(registry.getTimeouts()).toEqual([]);
  });

  it('fires an instant already past straight away', () => {
    const { calls, callback } = recorder();
    timers.arm('late', START - 5 * SECOND, callback);

    jest.advanceTimersByTime(0);
    expect(calls).toEqual([START]);
    expect(timers.isArmed('late')).toBe(false);
  });

  it('re-arming a name replaces the old timer: only the new callback fires', () => {
    const first = recorder();
    const second = recorder();
    timers.arm('job', START + SECOND, first.callback);
    // SchedulerRegistry.addTimeout throws on a duplicate name: the old one must be deleted first
    expect(() => timers.arm('job', START + 2 * SECOND, second.callback)).not.toThrow();
    expect(registry.getTimeouts()).toEqual(['job']);

    jest.advanceTimersByTime(10 * SECOND);
    expect(first.calls).toEqual([]);
    expect(second.calls).toEqual([START + 2 * SECOND]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('re-arming a name to an earlier instant fires at the earlier instant only', () => {
    const first = recorder();
    const second = recorder();
    timers.arm('job', START + 5 * SECOND, first.callback);
    timers.arm('job', START + SECOND, second.callback);

    jest.advanceTimersByTime(10 * SECOND);
    expect(first.calls).toEqual([]);
    expect(second.calls).toEqual([START + SECOND]);
  });

  it('keeps timers of different names apart', () => {
    const a = recorder();
    const b = recorder();
    timers.arm('a', START + SECOND, a.callback);
    timers.arm('b', START + 2 * SECOND, b.callback);
    expect([...registry.getTimeouts()].sort()).toEqual(['a', 'b']);

    timers.disarm('a');
    jest.advanceTimersByTime(3 * SECOND);
    expect(a.calls).toEqual([]);
    expect(b.calls).toEqual([START + 2 * SECOND]);
  });

  it('disarm cancels the timer and removes the name; disarming an unknown name is harmless', () => {
    const { calls, callback } = recorder();
    timers.arm('job', START + SECOND, callback);

    timers.disarm('job');
    expect(registry.getTimeouts()).toEqual([]);
    expect(timers.isArmed('job')).toBe(false);
    expect(() => timers.disarm('job')).not.toThrow();
    expect(() => timers.disarm('never-armed')).not.toThrow();

    jest.advanceTimersByTime(10 * SECOND);
    expect(calls).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  describe('far in the future (Node timers overflow past 2^31−1 ms)', () => {
    const FORTY_DAYS = 40 * DAY;

    it('never asks for a single delay over 2^31−1 ms and fires exactly at the instant', () => {
      const setTimeoutSpy = jest.spyOn(globalThis, 'setTimeout');
      const { calls, callback } = recorder();
      const target = START + FORTY_DAYS + 123;
      timers.arm('far', target, callback);

      // walk up to the instant a day at a time: it must not fire early, and stays armed meanwhile
      while (clock.nowMs() + DAY < target) {
        jest.advanceTimersByTime(DAY);
        expect(calls).toEqual([]);
        expect(timers.isArmed('far')).toBe(true);
      }
      jest.advanceTimersByTime(target - clock.nowMs() - 1);
      expect(calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(calls).toEqual([target]);
      expect(timers.isArmed('far')).toBe(false);

      const delays = setTimeoutSpy.mock.calls.map((call) => call[1] ?? 0);
      // armed in at least two steps, none of them longer than a Node timer can hold
      expect(delays.length).toBeGreaterThanOrEqual(2);
      for (const delay of delays) expect(delay).toBeLessThanOrEqual(MAX_TIMER_MS);
      expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
    });

    it('fires exactly at the instant when time jumps there in one go', () => {
      const { calls, callback } = recorder();
      const target = START + FORTY_DAYS;
      timers.arm('far', target, callback);

      jest.advanceTimersByTime(FORTY_DAYS - 1);
      expect(calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(calls).toEqual([target]);
    });

    it('a year ahead still fires exactly at the instant, with bounded delays', () => {
      const setTimeoutSpy = jest.spyOn(globalThis, 'setTimeout');
      const { calls, callback } = recorder();
      const target = START + 365 * DAY;
      timers.arm('year', target, callback);

      jest.advanceTimersByTime(365 * DAY - 1);
      expect(calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(calls).toEqual([target]);
      for (const call of setTimeoutSpy.mock.calls) expect(call[1] ?? 0).toBeLessThanOrEqual(MAX_TIMER_MS);
    });

    it('can be disarmed after it re-armed itself for its next step', () => {
      const { calls, callback } = recorder();
      timers.arm('far', START + FORTY_DAYS, callback);

      // past the first step (~24.8 days): the handle in the registry is now the second step's
      jest.advanceTimersByTime(30 * DAY);
      expect(timers.isArmed('far')).toBe(true);
      timers.disarm('far');
      expect(timers.isArmed('far')).toBe(false);

      jest.advanceTimersByTime(20 * DAY);
      expect(calls).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('can be re-armed after it re-armed itself: only the new callback fires', () => {
      const old = recorder();
      const fresh = recorder();
      timers.arm('far', START + FORTY_DAYS, old.callback);
      jest.advanceTimersByTime(30 * DAY);

      const soon = clock.nowMs() + SECOND;
      timers.arm('far', soon, fresh.callback);
      jest.advanceTimersByTime(20 * DAY);
      expect(old.calls).toEqual([]);
      expect(fresh.calls).toEqual([soon]);
    });

    it('measures the delay on the injected clock (an offset clock fires on its own time)', () => {
      // the scheduler's clock may run ahead of the host's (agreed with the database)
      clock.setOffset(10 * SECOND);
      const { calls, callback } = recorder();
      const target = clock.nowMs() + FORTY_DAYS;
      timers.arm('far', target, callback);

      jest.advanceTimersByTime(FORTY_DAYS - 1);
      expect(calls).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(calls).toEqual([target]);
    });
  });

  describe('intervals', () => {
    it('calls back every period under its name until disarmed', () => {
      const { calls, callback } = recorder();
      timers.armInterval('every', SECOND, callback);
      expect(registry.getIntervals()).toEqual(['every']);

      jest.advanceTimersByTime(3 * SECOND);
      expect(calls).toEqual([START + SECOND, START + 2 * SECOND, START + 3 * SECOND]);

      timers.disarmInterval('every');
      expect(registry.getIntervals()).toEqual([]);
      jest.advanceTimersByTime(10 * SECOND);
      expect(calls).toHaveLength(3);
      expect(() => timers.disarmInterval('every')).not.toThrow();
    });

    it('re-arming a name replaces the old interval', () => {
      const first = recorder();
      const second = recorder();
      timers.armInterval('every', SECOND, first.callback);
      expect(() => timers.armInterval('every', 2 * SECOND, second.callback)).not.toThrow();

      jest.advanceTimersByTime(4 * SECOND);
      expect(first.calls).toEqual([]);
      expect(second.calls).toEqual([START + 2 * SECOND, START + 4 * SECOND]);
    });
  });
});
