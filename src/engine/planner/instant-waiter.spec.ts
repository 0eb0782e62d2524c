import { jest } from '@jest/globals';
import { Clock } from '../../common/clock';
import { InstantWaiter } from './instant-waiter';

const START = new Date('2027-01-01T00:00:00Z').getTime();

describe('InstantWaiter', () => {
  let clock: Clock;
  let waiter: InstantWaiter;

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    clock = new Clock();
    waiter = new InstantWaiter(clock);
  });

  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  /** Waits for `atMs` and tells when the wait ended (null while it has not). */
  const wait = (atMs: number) => {
    const ended: { atMs: number | null } = { atMs: null };
    void waiter.waitUntil(atMs).then(() => (ended.atMs = clock.nowMs()));
    return ended;
  };

  it('ends at the instant to the millisecond (a clock that does not move while spinning falls back to a timer)', async () => {
    const ended = wait(START + 150);

    await jest.advanceTimersByTimeAsync(149);
    expect(ended.atMs).toBeNull();
    await jest.advanceTimersByTimeAsync(1);
    expect(ended.atMs).toBe(START + 150);
  });

  it('ends at once for an instant already past', async () => {
    const ended = wait(START - 50);

    await jest.advanceTimersByTimeAsync(0);
    expect(ended.atMs).toBe(START);
  });

  it('ends each of several instants in one second on time', async () => {
    const waits = Array.from({ length: 10 }, (_, k) => wait(START + 10 + k * 100));

    await jest.advanceTimersByTimeAsync(1_000);
    expect(waits.map((ended) => ended.atMs)).toEqual(waits.map((_, k) => START + 10 + k * 100));
  });
});
