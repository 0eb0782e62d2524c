import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { RUN_STATUSES, RUN_TRIGGERS, type RunStatus, type RunTrigger } from '../../domain/run-status';
import { TaskRunEntity } from '../../persistence/task-run.entity';

export class RunsQueryDto {
  /** Page size, 1–500 (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** `nextCursor` of the previous page, or an ISO instant: runs scheduled before it. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  before?: string;
}

export class TaskRunDto {
  id: string;
  taskId: string;
  /** Null for manual runs. */
  scheduleId: string | null;
  @ApiProperty({ enum: RUN_TRIGGERS })
  trigger: RunTrigger;
  /** The planned instant (timed fires) or the moment of the event, parent finish or request. */
  scheduledFor: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  @ApiProperty({ enum: RUN_STATUSES })
  status: RunStatus;
  attempt: number;
  /** How many `after:`/`on:` steps led to this run (0: a timed or manual run). */
  chainDepth: number;
  error: string | null;
  @ApiProperty({ description: 'What the handler returned (JSON; cut beyond 64 KiB)', nullable: true })
  result: unknown;
  /** The scheduler instance that ran (or holds) the run. */
  instanceId: string | null;
}

export class TaskRunPageDto {
  @Type(() => TaskRunDto)
  items: TaskRunDto[];
  /** Pass as `before` for the next page; null on the last page. */
  nextCursor: string | null;
}

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function toTaskRunDto(run: TaskRunEntity): TaskRunDto {
  return {
    id: run.id,
    taskId: run.taskId,
    scheduleId: run.scheduleId,
    trigger: run.trigger,
    scheduledFor: run.scheduledFor.toISOString(),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    durationMs: run.durationMs,
    status: run.status,
    attempt: run.attempt,
    chainDepth: run.chainDepth ?? 0,
    error: run.error,
    result: run.result ?? null,
    instanceId: run.instanceId,
  };
}
