import type {
  CreateTaskBody,
  EventAcceptedView,
  InstanceView,
  PageQuery,
  PageView,
  PreviewView,
  RunsQuery,
  ScheduleBody,
  TaskRunView,
  TaskView,
  UpdateTaskBody,
} from '../api/contract';
import type { ScheduleView } from '../events/event-payloads';
import { ScoutApiError } from './scout-api-error';
import { ScoutEventStream, type EventStreamOptions } from './event-stream';

/** The part of the platform's `fetch` the client uses, so a test or an older runtime can pass its own. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  status: number;
  statusText: string;
  ok: boolean;
  text(): Promise<string>;
}>;

export interface ScoutClientOptions {
  /** The service's origin, e.g. `http://127.0.0.1:3000` (a trailing `/` is ignored). */
  baseUrl: string;
  /** Sent as `X-API-Key` and in the Socket.IO handshake (`auth.apiKey`). */
  apiKey?: string;
  /** Default: the platform's `fetch`. */
  fetch?: FetchLike;
}

/** `previewSchedule`'s input: a spec (`schedule` in the query) or, where the service reads English, `text`. */
export interface PreviewRequest {
  spec?: string;
  text?: string;
  timezone?: string;
  /** Fire times after this instant (ISO 8601); default now. */
  from?: string;
  /** 1–100, default 5. */
  count?: number;
}

/** `GET /health`'s answer (200; a 503 throws `ScoutApiError`). */
export interface HealthView {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, unknown>;
  details?: Record<string, unknown>;
}

type Query = Record<string, string | number | undefined>;

/**
 * The REST API of a Scout Scheduler service, typed with the server's own contract
 * (`docs/API.md`), plus its Socket.IO events (`connectEvents`). Any answer but 2xx throws a
 * `ScoutApiError` carrying the API's message. It needs only `fetch` and `socket.io-client`.
 */
export class ScoutClient {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly fetch: FetchLike;

  constructor(options: ScoutClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    const platformFetch = (globalThis as { fetch?: FetchLike }).fetch;
    const chosen = options.fetch ?? platformFetch?.bind(globalThis);
    if (!chosen) throw new TypeError('ScoutClient: no fetch in this runtime; pass options.fetch');
    this.fetch = chosen;
  }

  createTask(body: CreateTaskBody): Promise<TaskView> {
    return this.request('POST', '/api/tasks', undefined, body);
  }

  listTasks(query: PageQuery = {}): Promise<PageView<TaskView>> {
    return this.request('GET', '/api/tasks', { ...query });
  }

  getTask(id: string): Promise<TaskView> {
    return this.request('GET', `/api/tasks/${segment(id)}`);
  }

  updateTask(id: string, body: UpdateTaskBody): Promise<TaskView> {
    return this.request('PATCH', `/api/tasks/${segment(id)}`, undefined, body);
  }

  deleteTask(id: string): Promise<void> {
    return this.request('DELETE', `/api/tasks/${segment(id)}`);
  }

  /** The new run: `trigger: "manual"`, `status: "running"`. */
  runTaskNow(id: string): Promise<TaskRunView> {
    return this.request('POST', `/api/tasks/${segment(id)}/run`);
  }

  /** Newest first; pass the page's `nextCursor` as `before` for the next one. */
  getTaskRuns(id: string, query: RunsQuery = {}): Promise<PageView<TaskRunView>> {
    return this.request('GET', `/api/tasks/${segment(id)}/runs`, { ...query });
  }

  /** Replaces the task's schedule. */
  scheduleTask(id: string, body: ScheduleBody): Promise<ScheduleView> {
    return this.request('POST', `/api/tasks/${segment(id)}/schedule`, undefined, body);
  }

  getSchedule(id: string): Promise<ScheduleView> {
    return this.request('GET', `/api/tasks/${segment(id)}/schedule`);
  }

  pauseSchedule(id: string): Promise<ScheduleView> {
    return this.request('POST', `/api/tasks/${segment(id)}/schedule/pause`);
  }

  resumeSchedule(id: string): Promise<ScheduleView> {
    return this.request('POST', `/api/tasks/${segment(id)}/schedule/resume`);
  }

  /** `DELETE /api/tasks/{id}/schedule`: the task stays, unscheduled. */
  cancelSchedule(id: string): Promise<void> {
    return this.request('DELETE', `/api/tasks/${segment(id)}/schedule`);
  }

  listSchedules(query: PageQuery = {}): Promise<PageView<ScheduleView>> {
    return this.request('GET', '/api/schedules', { ...query });
  }

  /** Checks a spec without storing anything: its type, description and next fire times. */
  previewSchedule(request: PreviewRequest): Promise<PreviewView> {
    const { spec, ...rest } = request;
    return this.request('GET', '/api/schedules/preview', { schedule: spec, ...rest });
  }

  /** Runs every task scheduled `on:<name>`; `chainDepth` is the publisher's own depth. */
  publishEvent(
    name: string,
    payload?: unknown,
    options: { chainDepth?: number } = {},
  ): Promise<EventAcceptedView> {
    const headers: Record<string, string> =
      options.chainDepth === undefined ? {} : { 'x-scout-chain-depth': String(options.chainDepth) };
    const body = payload === undefined ? {} : { payload };
    return this.request('POST', `/api/events/${segment(name)}`, undefined, body, headers);
  }

  listInstances(): Promise<InstanceView[]> {
    return this.request('GET', '/api/instances');
  }

  /** Readiness: resolves while the database answers; a 503 throws with the outage's message. */
  health(): Promise<HealthView> {
    return this.request('GET', '/health');
  }

  /**
   * Opens the Socket.IO stream: every event, or one task's (`taskId`); `batch` asks the service
   * for `events_batch` messages (several events per message, for busy dashboards).
   */
  connectEvents(options: EventStreamOptions = {}): ScoutEventStream {
    return new ScoutEventStream(this.baseUrl, this.apiKey, options);
  }

  private async request<T>(
    method: string,
    path: string,
    query?: Query,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (this.apiKey !== undefined) headers['x-api-key'] = this.apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await this.fetch(this.baseUrl + path + queryString(query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    if (!answer.ok) throw ScoutApiError.fromAnswer(answer.status, answer.statusText, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

/** Ids and event names go into the path escaped, so no value can reach another route. */
function segment(value: string): string {
  return encodeURIComponent(value);
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
