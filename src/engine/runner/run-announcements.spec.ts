import { afterEach, beforeEach, expect, jest } from '@jest/globals';
import { ANNOUNCE_SLICE, RunAnnouncements } from './run-announcements';
import type { ActiveRun } from './run-context';

const T0 = new Date('2027-01-01T00:00:00Z').getTime();

describe('RunAnnouncements', () => {
  /** What happened, in order: `started:<id>` (task_started), `slot:<id>`, `settled:<id>:<status>:<result>:<ms>`. */
  let log: string[];
  let settled: Set<string>;
  let announcements: RunAnnouncements;

  const activeRun = (id: string): ActiveRun => ({
    fire: { run: { id, scheduleId: `schedule-${id}` } } as ActiveRun['fire'],
    startedAt: new Date(T0),
    controller: null,
    abortReason: null,
    timeoutMs: null,
    timeout: null,
    announced: false,
    returned: false,
    // Once per run, forgotten as it settles: as RunExecutor's settle and complete do.
    settle: (status, _error, result, finishedAtMs) => {
      if (settled.has(id)) return;
      settled.add(id);
      announcements.forget(id);
      log.push(`settled:${id}:${status}:${JSON.stringify(result)}:${finishedAtMs}`);
    },
  });
  const runs = (count: number) => Array.from({ length: count }, (_, i) => activeRun(`run-${i + 1}`));
  const announced = () => log.filter((entry) => entry.startsWith('started:'));
  /** One turn of the event loop: the class's pending setImmediate (the pause between slices) runs first. */
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  beforeEach(() => {
    // The clock stands still (forEachInSlices visits everything in one slice); turns are real.
    jest.useFakeTimers({ now: T0, doNotFake: ['setImmediate'] });
    log = [];
    settled = new Set();
    announcements = new RunAnnouncements({ started: (run) => log.push(`started:${run.id}`) }, (active) =>
      log.push(`slot:${active.fire.run.id}`),
    );
  });
  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  it('announces nothing during the starts, then the group in slices of 100 with a turn between', async () => {
    const group = runs(250);
    for (const run of group) announcements.started(run);
    expect(log).toEqual([]);

    await Promise.resolve();
    expect(announced()).toHaveLength(ANNOUNCE_SLICE);
    await turn();
    expect(announced()).toHaveLength(2 * ANNOUNCE_SLICE);
    await turn();
    expect(announced()).toEqual(group.map((run) => `started:${run.fire.run.id}`));
    expect(group.every((run) => run.announced)).toBe(true);
  });

  it('gives the slots of returned runs back before any announcement, and settles them after the last slice and one more turn', async () => {
    const group = runs(150);
    for (const run of group) announcements.started(run);
    announcements.returned(group[0], { ok: 1 }, T0 + 3);
    announcements.returned(group[1], 'done', T0 + 4);
    expect(group[0].returned).toBe(true);

    await Promise.resolve();
    expect(log.slice(0, 3)).toEqual(['slot:run-1', 'slot:run-2', 'started:run-1']);
    await turn(); // the second slice of announcements
    expect(announced()).toHaveLength(150);
    expect(log.some((entry) => entry.startsWith('settled:'))).toBe(false);
    await turn(); // the turn before the completions
    expect(log.slice(-2)).toEqual([
      `settled:run-1:succeeded:{"ok":1}:${T0 + 3}`,
      `settled:run-2:succeeded:"done":${T0 + 4}`,
    ]);
  });

  it('announces a run once: one that announced itself (its end came first) is left out of its slice', async () => {
    const [first, second] = runs(2);
    announcements.started(first);
    announcements.started(second);
    announcements.announce(second);
    announcements.announce(second);

    await Promise.resolve();
    expect(log).toEqual(['started:run-2', 'started:run-1']);
  });

  it('settleReturned ends the returned runs not settled yet at once (a shutdown), in the order they returned', async () => {
    const [first, second, third] = runs(3);
    for (const run of [first, second, third]) announcements.started(run);
    announcements.returned(first, 1, T0 + 1);
    announcements.returned(second, 2, T0 + 2);
    announcements.returned(third, 3, T0 + 3);
    third.settle('succeeded', null, 3, T0 + 3); // settled already: forgotten

    announcements.settleReturned();
    const settledLog = [
      `settled:run-3:succeeded:3:${T0 + 3}`,
      `settled:run-1:succeeded:1:${T0 + 1}`,
      `settled:run-2:succeeded:2:${T0 + 2}`,
    ];
    expect(log).toEqual(settledLog);

    for (let i = 0; i < 5; i++) await turn();
    expect(log.filter((entry) => entry.startsWith('settled:'))).toEqual(settledLog);
  });
});
