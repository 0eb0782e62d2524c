import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { TaskEntity } from '../../persistence/task.entity';
import { RUN_STATUSES, type RunStatus } from '../../domain/run-status';
import { TaskRunEntity } from '../../persistence/task-run.entity';

const HANDLER_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;

export class CreateTaskDto {
  /** @example "Nightly digest" */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

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
   * Given to the handler (a JSON object, at most 64 KiB). For `http`: `{url, method?, headers?, body?}`.
   * @example {"url": "https://example.com/hook", "method": "POST"}
   */
  @IsOptional()
  @IsObject()
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
}

/** Fields left out are unchanged; `null` clears only what may be empty (description, payload). */
export class UpdateTaskDto {
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @Matches(HANDLER_NAME, { message: 'handler must be a handler name (letters, digits, _ . : -)' })
  handler?: string;

  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;
}

export class LastRunDto {
  id: string;
  @ApiProperty({ enum: RUN_STATUSES })
  status: RunStatus;
  finishedAt: string | null;
}

export class TaskDto {
  id: string;
  name: string;
  description: string | null;
  handler: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  payload: Record<string, unknown> | null;
  @ApiProperty({ enum: ['idle', 'running'] })
  status: 'idle' | 'running';
  /** The next planned fire of its schedule, if any. */
  nextRunAt: string | null;
  @Type(() => LastRunDto)
  lastRun: LastRunDto | null;
  createdAt: string;
  updatedAt: string;
}

export class TaskPageDto {
  @Type(() => TaskDto)
  items: TaskDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function toTaskDto(task: TaskEntity, nextRunAt: Date | null, lastRun: TaskRunEntity | null): TaskDto {
  return {
    id: task.id,
    name: task.name,
    description: task.description,
    handler: task.handler,
    payload: task.payload,
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
