import type { RunStatus } from '../domain/run-status';

/**
 * The lifecycle events, with exactly the names and payloads of `docs/API.md` (Events). Dashboards receive them
 * over Socket.IO; other Nest modules can listen on `SchedulerEventEmitter`.
 */
export interface ScheduleUpdateEvent {
  taskId: string;
  /** The schedule as the REST API answers it. */
  schedule: unknown;
}

export interface ScheduleRemovedEvent {
  taskId: string;
}

export interface TaskStartedEvent {
  taskId: string;
  runId: string;
  scheduledFor: string;
  startedAt: string;
}

export interface TaskFinishedEvent {
  taskId: string;
  runId: string;
  status: 'succeeded';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  result: unknown;
}

export interface TaskErrorEvent {
  taskId: string;
  runId: string;
  status: Exclude<RunStatus, 'pending' | 'running' | 'succeeded'>;
  error: string | null;
  finishedAt: string;
}

export interface SchedulerEventMap {
  schedule_update: ScheduleUpdateEvent;
  schedule_removed: ScheduleRemovedEvent;
  task_started: TaskStartedEvent;
  task_finished: TaskFinishedEvent;
  task_error: TaskErrorEvent;
}

export type SchedulerEventName = keyof SchedulerEventMap;

export const SCHEDULER_EVENT_NAMES: readonly SchedulerEventName[] = [
  'schedule_update',
  'schedule_removed',
  'task_started',
  'task_finished',
  'task_error',
];
