/**
 * The package's second entry, `scout-scheduler/client`: a typed client of a running service's
 * REST API and Socket.IO events, for browsers (the dashboard) and agent processes. It loads only
 * `socket.io-client` and uses the platform's `fetch`; nothing of Nest, TypeORM or pg, at runtime
 * or in its types (eslint.config.mjs and scripts/check-package.sh check both). Like `src/index.ts`,
 * this file re-exports and nothing else does.
 */
export { ScoutClient } from './scout-client';
export type { FetchLike, HealthView, PreviewRequest, ScoutClientOptions } from './scout-client';
export { ScoutApiError } from './scout-api-error';
export { ScoutEventStream } from './event-stream';
export type { EventStreamOptions, ScoutEvent, StreamInfo } from './event-stream';

// The server's contract, as types.
export type {
  CreateTaskBody,
  ErrorBody,
  EventAcceptedView,
  InstanceView,
  LastRunView,
  PageQuery,
  PageView,
  PreviewQuery,
  PreviewView,
  RunsQuery,
  ScheduleBody,
  TaskRunView,
  TaskView,
  UpdateTaskBody,
} from '../api/contract';
export type {
  ScheduleRemovedEvent,
  ScheduleUpdateEvent,
  ScheduleView,
  SchedulerEventMap,
  SchedulerEventName,
  TaskErrorEvent,
  TaskFinishedEvent,
  TaskStartedEvent,
} from '../events/event-payloads';
export type { MisfirePolicy, OverlapPolicy } from '../domain/policies';
export type { RunStatus, RunTrigger } from '../domain/run-status';
export type { TriggerType } from '../triggers/trigger';
