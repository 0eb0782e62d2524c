import type {
  RunStatus,
  ScheduleView,
  SchedulerEventName,
  ScoutClient,
  ScoutEvent,
  TaskView,
} from '../../src/client';

export interface FeedEntry {
  seq: number;
  name: SchedulerEventName;
  taskId: string;
  receivedAt: number;
  detail: string;
}

const FEED_SIZE = 300;
/** fires/s and p99 lateness are over the last few seconds of `task_started` events. */
const WINDOW_MS = 5_000;
const MAX_SAMPLES = 50_000;

/**
 * What the page shows, kept outside the components: events arrive in batches (up to 1,000 fires
 * a second) and only change these maps and counters; the page renders from them a few times a
 * second (`version` says whether anything changed since the last render).
 */
export class LiveStore {
  readonly tasks = new Map<string, TaskView>();
  readonly schedules = new Map<string, ScheduleView>();
  /** Latest run status seen per task (from events, else the task's `lastRun`). */
  readonly lastStatus = new Map<string, RunStatus>();
  /** Bumped per task on each of its events, so a task's page knows to reload its runs. */
  readonly taskVersions = new Map<string, number>();
  feed: FeedEntry[] = [];
  version = 0;
  /** Set once the first reload answered: from then on `schedules` knows which tasks have one. */
  loaded = false;
  private markLoaded: () => void = () => undefined;
  private readonly firstLoad = new Promise<void>((resolve) => (this.markLoaded = resolve));
  /** A schedule of a task this page has not loaded (created elsewhere): the lists need a reload. */
  unknownTask = false;
  private seq = 0;
  /** Receive times and lateness (ms) of recent `task_started` events, oldest first. */
  private startTimes: number[] = [];
  private latenesses: number[] = [];

  constructor(private readonly client: ScoutClient) {}

  /** Loads every task and schedule (pages of 500); `schedulesOnly` when only next runs moved on. */
  async reload(schedulesOnly = false): Promise<void> {
    if (!schedulesOnly) this.unknownTask = false;
    const [tasks, schedules] = await Promise.all([
      schedulesOnly ? null : this.all('tasks'),
      this.all('schedules'),
    ]);
    if (tasks) {
      this.tasks.clear();
      for (const task of tasks as TaskView[]) {
        this.tasks.set(task.id, task);
        if (task.lastRun && !this.lastStatus.has(task.id)) this.lastStatus.set(task.id, task.lastRun.status);
      }
    }
    this.schedules.clear();
    for (const schedule of schedules as ScheduleView[]) this.schedules.set(schedule.taskId, schedule);
    this.loaded = true;
    this.markLoaded();
    this.version++;
  }

  /** A task's schedule (or null), once the lists have loaded: the page never asks the API for a
   * schedule a task may not have, which would be a 404 in the browser's console. */
  async scheduleOf(taskId: string): Promise<ScheduleView | null> {
    await this.firstLoad;
    return this.schedules.get(taskId) ?? null;
  }

  private async all(kind: 'tasks' | 'schedules'): Promise<Array<TaskView | ScheduleView>> {
    const items: Array<TaskView | ScheduleView> = [];
    let cursor: string | undefined;
    do {
      const page =
        kind === 'tasks'
          ? await this.client.listTasks({ limit: 500, cursor })
          : await this.client.listSchedules({ limit: 500, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  /** Task and schedule from an action's answer, without waiting for the event. */
  putTask(task: TaskView): void {
    this.tasks.set(task.id, task);
    this.version++;
  }

  putSchedule(schedule: ScheduleView): void {
    this.schedules.set(schedule.taskId, schedule);
    this.version++;
  }

  forget(taskId: string): void {
    this.tasks.delete(taskId);
    this.schedules.delete(taskId);
    this.version++;
  }

  apply(events: ScoutEvent[], now = Date.now()): void {
    for (const event of events) {
      const taskId = event.payload.taskId;
      let detail = '';
      switch (event.name) {
        case 'schedule_update':
          this.schedules.set(taskId, event.payload.schedule);
          if (!this.tasks.has(taskId)) this.unknownTask = true;
          detail = `${event.payload.schedule.paused ? 'paused' : 'active'}: ${event.payload.schedule.description}`;
          break;
        case 'schedule_removed':
          this.schedules.delete(taskId);
          detail = 'schedule removed';
          break;
        case 'task_started': {
          const late = Date.parse(event.payload.startedAt) - Date.parse(event.payload.scheduledFor);
          this.startTimes.push(now);
          this.latenesses.push(late);
          this.lastStatus.set(taskId, 'running');
          detail = `lateness ${late} ms`;
          break;
        }
        case 'task_finished':
          this.lastStatus.set(taskId, 'succeeded');
          detail = `succeeded in ${event.payload.durationMs} ms`;
          break;
        case 'task_error':
          this.lastStatus.set(taskId, event.payload.status);
          detail = `${event.payload.status}${event.payload.error ? `: ${event.payload.error}` : ''}`;
          break;
      }
      this.taskVersions.set(taskId, (this.taskVersions.get(taskId) ?? 0) + 1);
      this.feed.push({ seq: ++this.seq, name: event.name, taskId, receivedAt: now, detail });
    }
    if (this.feed.length > FEED_SIZE * 2) this.feed = this.feed.slice(-FEED_SIZE);
    this.trim(now);
    this.version++;
  }

  /** The newest feed entries first, optionally of the tasks whose name or id contains `filter`. */
  recentFeed(filter: string, count: number): FeedEntry[] {
    const needle = filter.trim().toLowerCase();
    const result: FeedEntry[] = [];
    for (let index = this.feed.length - 1; index >= 0 && result.length < count; index--) {
      const entry = this.feed[index];
      if (needle && !this.matches(entry.taskId, needle)) continue;
      result.push(entry);
    }
    return result;
  }

  private matches(taskId: string, needle: string): boolean {
    return taskId.includes(needle) || (this.tasks.get(taskId)?.name.toLowerCase().includes(needle) ?? false);
  }

  /** Runs started per second over the last 5 s. */
  firesPerSecond(now = Date.now()): number {
    this.trim(now);
    return this.startTimes.length / (WINDOW_MS / 1_000);
  }

  /** The 99th percentile of `startedAt − scheduledFor` over the last 5 s (null without runs). */
  p99Lateness(now = Date.now()): number | null {
    this.trim(now);
    if (this.latenesses.length === 0) return null;
    const sorted = Float64Array.from(this.latenesses).sort();
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
  }

  private trim(now: number): void {
    let drop = 0;
    while (drop < this.startTimes.length && this.startTimes[drop] < now - WINDOW_MS) drop++;
    drop = Math.max(drop, this.startTimes.length - MAX_SAMPLES);
    if (drop > 0) {
      this.startTimes = this.startTimes.slice(drop);
      this.latenesses = this.latenesses.slice(drop);
    }
  }

  nameOf(taskId: string): string {
    return this.tasks.get(taskId)?.name ?? taskId.slice(0, 8);
  }
}
