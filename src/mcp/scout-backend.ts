import type {
  CreateTaskBody,
  EventAcceptedView,
  PageQuery,
  PageView,
  PreviewView,
  RunsQuery,
  ScheduleBody,
  TaskRunView,
  TaskView,
} from '../api/contract';
import type { PreviewRequest } from '../client/scout-client';
import type { ScheduleView } from '../events/event-payloads';

/**
 * What the MCP tools call: the typed client's method shapes, so `ScoutClient` (stdio, a remote
 * service) and the in-process adapter of `/mcp` both serve them. Any refusal throws a
 * `ScoutApiError` carrying the REST API's status and message.
 */
export interface ScoutBackend {
  createTask(body: CreateTaskBody): Promise<TaskView>;
  listTasks(query?: PageQuery): Promise<PageView<TaskView>>;
  getTask(id: string): Promise<TaskView>;
  deleteTask(id: string): Promise<void>;
  runTaskNow(id: string): Promise<TaskRunView>;
  getTaskRuns(id: string, query?: RunsQuery): Promise<PageView<TaskRunView>>;
  scheduleTask(id: string, body: ScheduleBody): Promise<ScheduleView>;
  getSchedule(id: string): Promise<ScheduleView>;
  pauseSchedule(id: string): Promise<ScheduleView>;
  resumeSchedule(id: string): Promise<ScheduleView>;
  cancelSchedule(id: string): Promise<void>;
  previewSchedule(request: PreviewRequest): Promise<PreviewView>;
  publishEvent(name: string, payload?: unknown): Promise<EventAcceptedView>;
}
