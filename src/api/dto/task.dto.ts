import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { TaskEntity } from '../../persistence/task.entity';
import { maskSecretHeaders } from '../../common/secret-headers';
import { RUN_STATUSES, type RunStatus } from '../../domain/run-status';
import { TaskRunEntity } from '../../persistence/task-run.entity';
import { NotWith, SCHEDULE_OR_TEXT } from './either-field';
import { EXAMPLE_CURSOR, EXAMPLE_PAYLOAD, EXAMPLE_RUN_ID, EXAMPLE_TASK_ID } from './api-examples';
import type { CreateTaskBody, LastRunView, PageView, TaskView, UpdateTaskBody } from '../contract';

const HANDLER_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;

export class CreateTaskDto implements CreateTaskBody {
  /** @example "Nightly digest" */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  /** @example "Mails the morning's headlines" */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /**
   * A registered handler name (`noop`, `http`, or one contributed by another module); default
   * `SCHEDULER_DEFAULT_HANDLER`.
   * @example "http"
   */
  @IsOptional()
  @IsString()
  @Matches(HANDLER_NAME, { message: 'handler must be a handler name (letters, digits, _ . : -)' })
  handler?: string;

  /**
   * Given to the handler (a JSON object, at most 64 KiB). For `http`: `{url, method?, headers?,
   * secretHeaders?, body?}`. Secret headers (`Authorization`, `Proxy-Authorization`, `Cookie`,
   * `X-API-Key` and those named in `secretHeaders`) are write-only: answers show `"***"`.
   */
  @IsOptional()
  @IsObject()
  @ApiProperty({ required: false, example: EXAMPLE_PAYLOAD })
  payload?: Record<string, unknown>;

  /**
   * Optional schedule spec, with default options (see `POST /api/tasks/{id}/schedule` for options).
   * @example "every 30m"
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  schedule?: string;

  /**
   * Optional schedule in plain English, in place of `schedule` (not both), e.g. "every weekday
   * at 9am" or "tomorrow at 3pm Berlin time".
   * @example "every weekday at 9am"
   */
  @IsOptional()
  @NotWith('schedule', SCHEDULE_OR_TEXT)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text?: string;
}

/** Fields left out are unchanged; `null` clears only what may be empty (description, payload). */
export class UpdateTaskDto implements UpdateTaskBody {
  /** @example "Nightly digest" */
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  /** @example "Mails the morning's headlines" */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** @example "http" */
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @Matches(HANDLER_NAME, { message: 'handler must be a handler name (letters, digits, _ . : -)' })
  handler?: string;

  /**
   * Replaces the payload. In its `headers`, a secret header left out or sent as `"***"` keeps
   * its stored value, and `null` removes a header.
   */
  @IsOptional()
  @IsObject()
  @ApiProperty({ required: false, nullable: true, example: EXAMPLE_PAYLOAD })
  payload?: Record<string, unknown>;
}

export class LastRunDto implements LastRunView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RUN_ID })
  id: string;
  @ApiProperty({ enum: RUN_STATUSES, example: 'succeeded' })
  status: RunStatus;
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-05-14T02:30:01.250Z' })
  finishedAt: string | null;
}

export class TaskDto implements TaskView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_TASK_ID })
  id: string;
  /** @example "Nightly digest" */
  name: string;
  /** @example "Mails the morning's headlines" */
  description: string | null;
  /** @example "http" */
  handler: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: EXAMPLE_PAYLOAD })
  payload: Record<string, unknown> | null;
  @ApiProperty({ enum: ['idle', 'running'], example: 'idle' })
  status: 'idle' | 'running';
  /** The next planned fire of its schedule, if any. */
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-05-15T02:30:00.000Z' })
  nextRunAt: string | null;
  @Type(() => LastRunDto)
  lastRun: LastRunDto | null;
  @ApiProperty({ format: 'date-time', example: '2027-05-01T09:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ format: 'date-time', example: '2027-05-01T09:00:00.000Z' })
  updatedAt: string;
}

export class TaskPageDto implements PageView<TaskView> {
  @Type(() => TaskDto)
  items: TaskDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ nullable: true, example: EXAMPLE_CURSOR })
  nextCursor: string | null;
}

export function toTaskDto(task: TaskEntity, nextRunAt: Date | null, lastRun: TaskRunEntity | null): TaskDto {
  return {
    id: task.id,
    name: task.name,
    description: task.description,
    handler: task.handler,
    // The one place a stored payload becomes an answer (REST, and TaskSchedulerService for hosts).
    payload: maskSecretHeaders(task.payload),
    status: lastRun?.status === 'running' ? 'running' : 'idle',
    nextRunAt: nextRunAt ? nextRunAt.toISOString() : null,
    lastRun: lastRun
      ? {
          id: lastRun.id,
          status: lastRun.status,
          finishedAt: lastRun.finishedAt ? lastRun.finishedAt.toISOString() : null,
        }
      : null,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
  };
}
