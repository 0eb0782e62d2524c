import type { ScheduleView, ScoutClient, ScoutEvent, TaskView } from '../../src/client';
import { LiveStore } from './live-store';

const TASK = '4f0c6a2e-5b1d-4c3e-9f7a-2b8c1d0e9f11';
const OTHER = '9b2e7c1a-3d4f-4e5a-8b6c-7d8e9f0a1b2c';

const started = (taskId: string, lateMs: number, at = '2027-01-01T00:00:00.000Z'): ScoutEvent => ({
  name: 'task_started',
  payload: {
    taskId,
    runId: `${taskId}-${lateMs}`,
    scheduledFor: at,
    startedAt: new Date(Date.parse(at) + lateMs).toISOString(),
  },
});

function pages<T>(items: T[]) {
  return () => Promise.resolve({ items, nextCursor: null });
}

function storeWith(tasks: Array<Partial<TaskView>>, schedules: Array<Partial<ScheduleView>> = []): LiveStore {
  const client = { listTasks: pages(tasks), listSchedules: pages(schedules) } as unknown as ScoutClient;
  return new LiveStore(client);
}

describe('LiveStore (the dashboard page state)', () => {
  it('counts fires per second and the p99 lateness over the last 5 s of task_started', () => {
    const store = storeWith([]);
    const now = 1_000_000;
    // 100 starts 6 s ago (out of the window), then 500 within it: 490 on time, 10 late by 900 ms.
    store.apply(
      Array.from({ length: 100 }, () => started(TASK, 5_000)),
      now - 6_000,
    );
    store.apply(
      Array.from({ length: 500 }, (_, index) => started(TASK, index < 490 ? 2 : 900)),
      now - 1_000,
    );
    expect(store.firesPerSecond(now)).toBe(100);
    expect(store.p99Lateness(now)).toBe(900);
    expect(store.firesPerSecond(now + 10_000)).toBe(0);
    expect(store.p99Lateness(now + 10_000)).toBeNull();
  });

  it('keeps the latest status per task and a bounded feed, newest first, filtered by task name or id', async () => {
    const store = storeWith([
      { id: TASK, name: 'Nightly digest', lastRun: null },
      { id: OTHER, name: 'Cleanup', lastRun: { id: 'r', status: 'failed', finishedAt: null } },
    ]);
    await store.reload();
    expect(store.lastStatus.get(OTHER)).toBe('failed');
    const version = store.version;
    store.apply([
      started(TASK, 1),
      {
        name: 'task_error',
        payload: {
          taskId: TASK,
          runId: 'r2',
          status: 'timed_out',
          error: 'timed out after 1s',
          finishedAt: 'x',
        },
      },
      { name: 'schedule_removed', payload: { taskId: OTHER } },
    ]);
    expect(store.version).toBeGreaterThan(version);
    expect(store.lastStatus.get(TASK)).toBe('timed_out');
    expect(store.recentFeed('', 10).map((entry) => entry.name)).toEqual([
      'schedule_removed',
      'task_error',
      'task_started',
    ]);
    expect(store.recentFeed('nightly', 10).map((entry) => entry.detail)).toEqual([
      'timed_out: timed out after 1s',
      'lateness 1 ms',
    ]);
    expect(store.recentFeed(OTHER.slice(0, 8), 10)).toHaveLength(1);
    store.apply(Array.from({ length: 1_000 }, () => started(TASK, 0)));
    expect(store.feed.length).toBeLessThanOrEqual(600);
    expect(store.recentFeed('', 5)).toHaveLength(5);
  });

  it('takes schedules from schedule_update and asks for a reload when the task is unknown', async () => {
    const store = storeWith([{ id: TASK, name: 'known', lastRun: null }]);
    await store.reload();
    const schedule = { taskId: TASK, paused: true, description: 'Every second' } as ScheduleView;
    store.apply([{ name: 'schedule_update', payload: { taskId: TASK, schedule } }]);
    expect(store.schedules.get(TASK)).toBe(schedule);
    expect(store.unknownTask).toBe(false);
    store.apply([
      { name: 'schedule_update', payload: { taskId: OTHER, schedule: { ...schedule, taskId: OTHER } } },
    ]);
    expect(store.unknownTask).toBe(true);
    await store.reload();
    expect(store.unknownTask).toBe(false);
  });
});
