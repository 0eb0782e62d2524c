/**
 * The package's public face: what a host Nest app imports from `scout-scheduler`. Everything
 * else under `src/` is the scheduler's own and may change without notice. This is the only file
 * that re-exports (docs/ARCHITECTURE.md); the service itself (`app.module.ts`) imports the module
 * from here, so it runs on exactly what hosts get.
 */
import type { SchedulerModule } from './scheduler/scheduler.module';

// The module and what a host injects from it.
export { SchedulerModule } from './scheduler/scheduler.module';
export type { SchedulerModuleParts, SchedulerOptions } from './config/scheduler-options';
/** What `SchedulerModule.forRootAsync` takes: a factory of `SchedulerOptions`, its imports and injections. */
export type SchedulerModuleAsyncOptions = Parameters<typeof SchedulerModule.forRootAsync>[0];
export { TaskSchedulerService } from './scheduler/task-scheduler.service';
export { SchedulerEventEmitter } from './events/scheduler-event.emitter';

// The scheduler's routes in the host's Swagger document.
export { addSchedulerToSwagger, createSchedulerDocument } from './scheduler/scheduler-swagger';
export type { SchedulerDocumentOptions } from './scheduler/scheduler-swagger';

// The dashboard's page, for a host app that serves the scheduler's routes and gateway too.
export { serveDashboard } from './web/serve-dashboard';
export type { DashboardOptions } from './web/serve-dashboard';

// Handlers a host contributes.
export { TaskHandler } from './tasks/task-handler';
export type { TaskRunContext } from './tasks/task-handler';

// What hosts send and receive (the REST API's contract too).
export { CreateTaskDto, LastRunDto, TaskDto, TaskPageDto, UpdateTaskDto } from './api/dto/task.dto';
export { CreateScheduleDto, ScheduleDto, SchedulePageDto } from './api/dto/schedule.dto';
export { RunsQueryDto, TaskRunDto, TaskRunPageDto } from './api/dto/task-run.dto';
export { EventAcceptedDto, PublishEventDto } from './api/dto/event.dto';
export { InstanceDto } from './api/dto/instance.dto';
export { PageQueryDto } from './api/dto/page-query.dto';
export { PreviewDto, PreviewQueryDto } from './api/dto/preview.dto';
export { ErrorDto } from './api/dto/error.dto';
export type { Page } from './common/cursor';
export type { MisfirePolicy, OverlapPolicy } from './domain/policies';
export type { RunStatus, RunTrigger } from './domain/run-status';
export type { TriggerType } from './triggers/trigger';

// Lifecycle events, as `SchedulerEventEmitter` delivers them.
export type {
  ScheduleRemovedEvent,
  ScheduleUpdateEvent,
  ScheduleView,
  SchedulerEventMap,
  SchedulerEventName,
  TaskErrorEvent,
  TaskFinishedEvent,
  TaskStartedEvent,
} from './events/event-payloads';

// Errors: every failure meant for a caller is a DomainError with one of these codes.
export { DomainError, ErrorCode } from './domain/domain-error';
