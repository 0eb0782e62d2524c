import { Logger, type ArgumentMetadata, type Type } from '@nestjs/common';
import type { ScheduleView } from '../events/event-payloads';
import { ScoutApiError } from '../client/scout-api-error';
import { isConnectionError } from '../persistence/connection-error';
import type { PreviewRequest } from '../client/scout-client';
import type { ScoutBackend } from '../mcp/scout-backend';
import type { ScheduleService } from '../scheduler/schedule.service';
import type { TaskSchedulerService } from '../scheduler/task-scheduler.service';
import type { CreateTaskBody, PageQuery, RunsQuery, ScheduleBody } from './contract';
import { DomainErrorFilter, type OutageSink } from './domain-error.filter';
import { EventsController } from './events.controller';
import { JsonInputPipe } from './json-input.pipe';
import { SchedulesController } from './schedules.controller';
import { TasksController } from './tasks.controller';
import { uuidParam } from './uuid-param.pipe';
import { ApiValidationPipe } from './validation.pipe';
import { PageQueryDto } from './dto/page-query.dto';
import { PreviewQueryDto } from './dto/preview.dto';
import { CreateScheduleDto } from './dto/schedule.dto';
import { PublishEventDto } from './dto/event.dto';
import { CreateTaskDto } from './dto/task.dto';
import { RunsQueryDto } from './dto/task-run.dto';

const jsonInput = new JsonInputPipe();
const validation = new ApiValidationPipe();

/**
 * The MCP tools' backend inside the service: each call goes through the same pipes, DTO classes
 * and controller method as its REST route, and a refusal becomes the `ScoutApiError` the typed
 * client would have thrown for that route's answer. So `/mcp` and the REST API (and the stdio
 * server, which calls the REST API) refuse the same input with the same message.
 */
export class InProcessScoutBackend implements ScoutBackend {
  private readonly tasks: TasksController;
  private readonly schedules: SchedulesController;
  private readonly events: EventsController;
  private readonly errors: DomainErrorFilter;
  private readonly logger = new Logger('McpTools');

  constructor(
    scheduler: TaskSchedulerService,
    scheduleService: ScheduleService,
    private readonly outages: OutageSink | null,
  ) {
    this.tasks = new TasksController(scheduler);
    this.schedules = new SchedulesController(scheduler, scheduleService);
    this.events = new EventsController(scheduler);
    this.errors = new DomainErrorFilter(outages);
  }

  createTask(body: CreateTaskBody) {
    return this.call(async () => this.tasks.create(await input('body', CreateTaskDto, body)));
  }

  listTasks(query: PageQuery = {}) {
    return this.call(async () => this.tasks.list(await input('query', PageQueryDto, query)));
  }

  getTask(id: string) {
    return this.call(async () => this.tasks.get(await param('id', id)));
  }

  deleteTask(id: string) {
    return this.call(async () => this.tasks.delete(await param('id', id)));
  }

  runTaskNow(id: string) {
    return this.call(async () => this.tasks.run(await param('id', id)));
  }

  getTaskRuns(id: string, query: RunsQuery = {}) {
    return this.call(async () =>
      this.tasks.runs(await param('id', id), await input('query', RunsQueryDto, query)),
    );
  }

  scheduleTask(id: string, body: ScheduleBody): Promise<ScheduleView> {
    return this.call(async () =>
      this.schedules.create(await param('taskId', id), await input('body', CreateScheduleDto, body)),
    );
  }

  getSchedule(id: string) {
    return this.call(async () => this.schedules.get(await param('taskId', id)));
  }

  pauseSchedule(id: string) {
    return this.call(async () => this.schedules.pause(await param('taskId', id)));
  }

  resumeSchedule(id: string) {
    return this.call(async () => this.schedules.resume(await param('taskId', id)));
  }

  cancelSchedule(id: string) {
    return this.call(async () => this.schedules.cancel(await param('taskId', id)));
  }

  previewSchedule(request: PreviewRequest) {
    // The REST query names the spec `schedule`, as ScoutClient sends it.
    const { spec, ...rest } = request;
    return this.call(async () =>
      this.schedules.preview(await input('query', PreviewQueryDto, { schedule: spec, ...rest })),
    );
  }

  publishEvent(name: string, payload?: unknown) {
    const body = payload === undefined ? {} : { payload };
    return this.call(async () =>
      this.events.publish(
        jsonInput.transform(name, { type: 'param', data: 'name' }) as string,
        await input('body', PublishEventDto, body),
        undefined,
      ),
    );
  }

  /** Runs one call; any error leaves as the API's error body would, inside a `ScoutApiError`. */
  private async call<T>(work: () => T | Promise<T>): Promise<Awaited<T>> {
    try {
      return await work();
    } catch (error) {
      const body = this.errors.toBody(error);
      if (body.statusCode === 503 && isConnectionError(error)) this.outages?.report(error);
      else if (body.statusCode >= 500)
        this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      throw new ScoutApiError(body.statusCode, body.error, body.message);
    }
  }
}

/** A body or query as its route reads it: the JSON checks, then the DTO's validation. */
async function input<T>(type: 'body' | 'query', dto: Type<T>, value: object): Promise<T> {
  const present = Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));
  const metadata: ArgumentMetadata = { type, metatype: dto };
  return (await validation.transform(jsonInput.transform(present, metadata), metadata)) as T;
}

/** A path id as its route reads it: the JSON checks, then "<name> must be a UUID". */
async function param(name: string, value: string): Promise<string> {
  const metadata: ArgumentMetadata = { type: 'param', data: name, metatype: String };
  jsonInput.transform(value, metadata);
  return (await uuidParam(name).transform(value, metadata)) as string;
}
