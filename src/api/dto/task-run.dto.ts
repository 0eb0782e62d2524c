import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { RUN_STATUSES, RUN_TRIGGERS, type RunStatus, type RunTrigger } from '../../domain/run-status';
import { TaskRunEntity } from '../../persistence/task-run.entity';
import {
  EXAMPLE_CURSOR,
  EXAMPLE_INSTANCE_ID,
  EXAMPLE_RUN_ID,
  EXAMPLE_SCHEDULE_ID,
  EXAMPLE_TASK_ID,
} from './api-examples';
import { PageLimitDto } from './page-query.dto';
import type { PageView, RunsQuery, TaskRunView } from '../contract';

export class RunsQueryDto extends PageLimitDto implements RunsQuery {
  /** `nextCursor` of the previous page, or an ISO instant: runs scheduled before it. */
  @ApiProperty({ required: false, example: EXAMPLE_CURSOR })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  before?: string;
}

export class TaskRunDto implements TaskRunView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_RUN_ID })
  id: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_TASK_ID })
  taskId: string;
  /** Null for manual runs. */
  @ApiProperty({ format: 'uuid', nullable: true, example: EXAMPLE_SCHEDULE_ID })
  scheduleId: string | null;
  @ApiProperty({ enum: RUN_TRIGGERS, example: 'schedule' })
  trigger: RunTrigger;
  /** The planned instant (timed fires) or the moment of the event, parent finish or request. */
  @ApiProperty({ format: 'date-time', example: '2027-05-14T02:30:00.000Z' })
  scheduledFor: string;
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-05-14T02:30:00.001Z' })
  startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-05-14T02:30:01.250Z' })
  finishedAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 1249 })
  durationMs: number | null;
  @ApiProperty({ enum: RUN_STATUSES, example: 'succeeded' })
  status: RunStatus;
  /** 1 for the first try, one more for each retry. */
  @ApiProperty({ type: 'integer', example: 1 })
  attempt: number;
  /** How many `after:`/`on:` steps led to this run (0: a timed or manual run). */
  @ApiProperty({ type: 'integer', example: 0 })
  chainDepth: number;
  /** Why the run failed, timed out or was skipped; null otherwise. */
  @ApiProperty({
    nullable: true,
    example: 'POST https://example.com/hook answered 502 Bad Gateway: upstream down',
  })
  error: string | null;
  @ApiProperty({
    description: 'What the handler returned (JSON; cut beyond 64 KiB)',
    nullable: true,
    example: { status: 200, body: { ok: true } },
  })
  result: unknown;
  /** The scheduler instance that ran (or holds) the run. */
  @ApiProperty({ format: 'uuid', nullable: true, example: EXAMPLE_INSTANCE_ID })
  instanceId: string | null;
}

export class TaskRunPageDto implements PageView<TaskRunView> {
  @Type(() => TaskRunDto)
  items: TaskRunDto[];
  /** Pass as `before` for the next page; null on the last page. */
  @ApiProperty({ nullable: true, example: EXAMPLE_CURSOR })
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
