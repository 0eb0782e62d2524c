import type { MisfirePolicy, OverlapPolicy } from '../domain/policies';
import type { RunStatus } from '../domain/run-status';
import type { TriggerType } from '../triggers/trigger';

/**
 * The lifecycle events, with exactly the names and payloads of `docs/API.md` (Events). Dashboards receive them
 * over Socket.IO; other Nest modules can listen on `SchedulerEventEmitter`.
 */
export interface ScheduleUpdateEvent {
  taskId: string;
  schedule: ScheduleView;
}

/** A schedule as the REST API answers it (`ScheduleDto` implements it); instants are ISO 8601. */
export interface ScheduleView {
  id: string;
  taskId: string;
  /** The spec as given, e.g. `cron:30 2 * * *`. */
  schedule: string;
  /** The plain-English phrase the spec was read from, or null. */
  text: string | null;
  type: TriggerType;
  description: string;
  timezone: string;
  /** The next planned fire (null: none on the clock, paused, or finished). */
  nextRunAt: string | null;
  lastRunAt: string | null;
  paused: boolean;
  misfirePolicy: MisfirePolicy;
  misfireGraceSeconds: number;
  overlapPolicy: OverlapPolicy;
  /** Null: `SCHEDULER_DEFAULT_TIMEOUT_SECONDS` applies to each run; 0: no timeout. */
  timeoutSeconds: number | null;
  maxRetries: number;
  retryBackoffSeconds: number;
  jitterSeconds: number;
  startAt: string | null;
  endAt: string | null;
  createdAt: string;
  updatedAt: string;
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

/** One event inside an `events_batch`: its name and its payload, exactly as the named event carries it. */
export type BatchedEvent = {
  [K in SchedulerEventName]: { name: K; payload: SchedulerEventMap[K] };
}[SchedulerEventName];

/**
 * What a client that subscribed with `{batch: true}` receives instead of the five named events:
 * the events since its previous batch, in the order they happened, at most one batch every
 * EVENTS_BATCH_INTERVAL_MS.
 */
export type EventsBatch = BatchedEvent[];

/** The Socket.IO event name of a batch. */
export const EVENTS_BATCH = 'events_batch';

/** A batched client receives at most one `events_batch` this often. */
export const EVENTS_BATCH_INTERVAL_MS = 100;

/** The acknowledgement of `subscribe` and `unsubscribe`. */
export interface SubscriptionAck {
  ok: boolean;
  /** The task subscribed to (lower-cased), when the message named one. */
  taskId?: string;
  /** On a `subscribe` that succeeded: whether this client now receives `events_batch` instead of the named events. */
  batch?: boolean;
  error?: string;
}
