import type { MisfirePolicy, OverlapPolicy } from '../domain/policies';
import type { RunStatus, RunTrigger } from '../domain/run-status';
import type { TriggerType } from '../triggers/trigger';

/**
 * The REST API's bodies and answers as plain interfaces, free of decorators and of Nest: the DTO
 * classes in `dto/` implement them (so tsc proves the two agree), and the typed client
 * (`src/client/`) imports only these types, so a browser bundle or an agent process never loads
 * the server. The schedule's shape is `ScheduleView` in `events/event-payloads.ts` (events carry it).
 */

/** `POST /api/tasks`. */
export interface CreateTaskBody {
  name: string;
  description?: string;
  handler?: string;
  payload?: Record<string, unknown>;
  /** A spec; or give `text` (plain English) instead, not both. */
  schedule?: string;
  text?: string;
}

/** `PATCH /api/tasks/{id}`: fields left out are unchanged; `null` clears description or payload. */
export interface UpdateTaskBody {
  name?: string;
  description?: string | null;
  handler?: string;
  payload?: Record<string, unknown> | null;
}

/** `POST /api/tasks/{taskId}/schedule`: the spec and its options. */
export interface ScheduleBody {
  /** Exactly one of `schedule` (a spec) and `text` (plain English). */
  schedule?: string;
  text?: string;
  timezone?: string;
  misfirePolicy?: MisfirePolicy;
  misfireGraceSeconds?: number;
  overlapPolicy?: OverlapPolicy;
  timeoutSeconds?: number;
  maxRetries?: number;
  retryBackoffSeconds?: number;
  jitterSeconds?: number;
  startAt?: string;
  endAt?: string;
}

/** `GET /api/tasks`, `GET /api/schedules`. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** `GET /api/tasks/{id}/runs`: `before` is a `nextCursor` or an ISO instant. */
export interface RunsQuery {
  limit?: number;
  before?: string;
}

/** `GET /api/schedules/preview`. */
export interface PreviewQuery {
  /** Exactly one of `schedule` (a spec) and `text` (plain English). */
  schedule?: string;
  text?: string;
  timezone?: string;
  from?: string;
  count?: number;
}

/** A page of a list: `nextCursor` is null on the last page. */
export interface PageView<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LastRunView {
  id: string;
  status: RunStatus;
  finishedAt: string | null;
}

/** A task as the API answers it; instants are ISO 8601. */
export interface TaskView {
  id: string;
  name: string;
  description: string | null;
  handler: string;
  payload: Record<string, unknown> | null;
  status: 'idle' | 'running';
  nextRunAt: string | null;
  lastRun: LastRunView | null;
  createdAt: string;
  updatedAt: string;
}

/** A run as the API answers it. */
export interface TaskRunView {
  id: string;
  taskId: string;
  scheduleId: string | null;
  trigger: RunTrigger;
  scheduledFor: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  status: RunStatus;
  attempt: number;
  chainDepth: number;
  error: string | null;
  result: unknown;
  instanceId: string | null;
}

/** `GET /api/schedules/preview`'s answer. */
export interface PreviewView {
  /** The spec: as given, or read from `text`. */
  spec: string;
  type: TriggerType;
  description: string;
  /** The zone the spec is read in: the one `text` names, else `timezone`, else the default. */
  timezone: string;
  nextRunTimes: string[];
  /** The `text` the spec was read from; null when a spec was given. */
  interpretedFrom: string | null;
}

/** `POST /api/events/{name}`'s answer. */
export interface EventAcceptedView {
  event: string;
  runs: TaskRunView[];
}

/** One entry of `GET /api/instances`. */
export interface InstanceView {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  alive: boolean;
  self: boolean;
}

/** The body of every error the API answers. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}
