import { jest } from '@jest/globals';
import { forEachInSlices, mapInSlices, SLICE_MS } from './time-slices';

/** Holds the thread for about a millisecond, as a costly item would. */
const busy = () => {
  const until = Date.now() + 1;
  while (Date.now() <= until);
};

describe('forEachInSlices', () => {
  afterEach(() => jest.useRealTimers());

  it('visits every item in order, letting a timer that fell due run between slices', async () => {
    const visited: number[] = [];
    let visitedWhenTimerRan: number | null = null;
    setTimeout(() => (visitedWhenTimerRan = visited.length), 0);

    await forEachInSlices(
      Array.from({ length: 10 * SLICE_MS }, (_, index) => index),
      (index) => {
        busy();
        visited.push(index);
      },
    );

    expect(visited).toEqual(Array.from({ length: 10 * SLICE_MS }, (_, index) => index));
    // It ran while the loop was under way: neither before the first item nor after the last.
    expect(visitedWhenTimerRan).toBeGreaterThan(0);
    expect(visitedWhenTimerRan).toBeLessThan(visited.length);
  });

  it('runs in one slice under fake timers, where the clock stands still', async () => {
    jest.useFakeTimers();
    const visited: number[] = [];
    await forEachInSlices([1, 2, 3], (item) => visited.push(item));
    expect(visited).toEqual([1, 2, 3]);
  });
});

describe('mapInSlices', () => {
  it('maps every item, in order', async () => {
    const mapped = await mapInSlices([1, 2, 3, 4], (item) => {
      busy();
      return item * 10;
    });
    expect(mapped).toEqual([10, 20, 30, 40]);
  });
});
