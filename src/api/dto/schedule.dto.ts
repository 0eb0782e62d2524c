import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  MaxLength,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import type { ScheduleView } from '../../events/event-payloads';
import { ScheduleEntity } from '../../persistence/schedule.entity';
import { EXAMPLE_CURSOR, EXAMPLE_SCHEDULE_ID, EXAMPLE_TASK_ID } from './api-examples';
import { NotWith, RequiredUnless, SCHEDULE_OR_TEXT } from './either-field';
import { TRIGGER_TYPES, type TriggerType } from '../../triggers/trigger';
import {
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
  type MisfirePolicy,
  type OverlapPolicy,
} from '../../domain/policies';
import type { PageView, ScheduleBody } from '../contract';

export class CreateScheduleDto implements ScheduleBody {
  /**
   * The schedule spec: `cron:30 2 * * *`, `every 30m`, `at:2027-05-14T14:30:00`, `in:1h`,
   * `on:<event>` or `after:<taskId>`. Exactly one of `schedule` and `text` is required.
   * @example "cron:30 2 * * *"
   */
  @RequiredUnless('text')
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  schedule?: string;

  /**
   * The schedule in plain English (README "Plain English"), in place of `schedule`: read into a
   * spec, and kept beside it. A zone named in the text ("at 9am Berlin time") becomes the
   * schedule's time zone.
   * @example "every weekday at 9am"
   */
  @IsOptional()
  @NotWith('schedule', SCHEDULE_OR_TEXT)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text?: string;

  /**
   * IANA time zone for cron fields and `at:` times without an offset; default `SCHEDULER_TIMEZONE`.
   * @example "Europe/Berlin"
   */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  /** What to do with fires missed while no instance ran; default `SCHEDULER_MISFIRE_POLICY`. */
  @IsOptional()
  @ApiProperty({ enum: MISFIRE_POLICIES, required: false, example: 'run_once' })
  @IsIn(MISFIRE_POLICIES)
  misfirePolicy?: MisfirePolicy;

  /** With `run_once`: the latest missed fire still runs if at most this late. */
  @ApiProperty({ type: 'integer', required: false, example: 60 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(31_536_000)
  misfireGraceSeconds?: number;

  /** What to do when a fire comes while the previous run is still going; default `skip`. */
  @IsOptional()
  @ApiProperty({ enum: OVERLAP_POLICIES, required: false, example: 'skip' })
  @IsIn(OVERLAP_POLICIES)
  overlapPolicy?: OverlapPolicy;

  /**
   * A run still going after this many seconds ends as `timed_out` (its handler is aborted).
   * Absent: `SCHEDULER_DEFAULT_TIMEOUT_SECONDS` (600 unless configured), applied when each run
   * starts. `0`: no timeout at all.
   */
  @ApiProperty({ type: 'integer', required: false, example: 600 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  timeoutSeconds?: number;

  /** Failed or timed-out runs are retried up to this many times. */
  @ApiProperty({ type: 'integer', required: false, example: 3 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  maxRetries?: number;

  /** The first retry waits this long; each next one twice as long. */
  @ApiProperty({ type: 'integer', required: false, example: 30 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  retryBackoffSeconds?: number;

  /** Each timed fire is delayed by a random 0…jitterSeconds, to spread load. */
  @ApiProperty({ type: 'integer', required: false, example: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600)
  jitterSeconds?: number;

  /** Nothing fires before this instant (ISO 8601; without offset: in the schedule's time zone). */
  @ApiProperty({ required: false, format: 'date-time', example: '2027-05-01T00:00:00' })
  @IsOptional()
  @IsISO8601({ strict: true })
  startAt?: string;

  /** Nothing fires after this instant (ISO 8601; without offset: in the schedule's time zone). */
  @ApiProperty({ required: false, format: 'date-time', example: '2027-12-31T23:59:59+01:00' })
  @IsOptional()
  @IsISO8601({ strict: true })
  endAt?: string;
}

export class ScheduleDto implements ScheduleView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_SCHEDULE_ID })
  id: string;
  @ApiProperty({ format: 'uuid', example: EXAMPLE_TASK_ID })
  taskId: string;
  /** @example "cron:30 2 * * *" */
  schedule: string;
  /** The plain-English phrase `schedule` was read from; null when the spec was given as such. */
  @ApiProperty({ type: 'string', nullable: true, example: 'every day at 2:30' })
  text: string | null;
  @ApiProperty({ enum: TRIGGER_TYPES, example: 'cron' })
  type: TriggerType;
  /** @example "At 02:30 every day" */
  description: string;
  /** @example "UTC" */
  timezone: string;
  /** The next planned fire (null: none on the clock, paused, or finished). */
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-05-15T02:30:00.000Z' })
  nextRunAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-05-14T02:30:00.000Z' })
  lastRunAt: string | null;
  /** @example false */
  paused: boolean;
  @ApiProperty({ enum: MISFIRE_POLICIES, example: 'run_once' })
  misfirePolicy: MisfirePolicy;
  @ApiProperty({ type: 'integer', example: 60 })
  misfireGraceSeconds: number;
  @ApiProperty({ enum: OVERLAP_POLICIES, example: 'skip' })
  overlapPolicy: OverlapPolicy;
  /** Null: `SCHEDULER_DEFAULT_TIMEOUT_SECONDS` applies to each run; 0: no timeout. */
  @ApiProperty({ type: 'integer', nullable: true, example: 600 })
  timeoutSeconds: number | null;
  @ApiProperty({ type: 'integer', example: 3 })
  maxRetries: number;
  @ApiProperty({ type: 'integer', example: 30 })
  retryBackoffSeconds: number;
  @ApiProperty({ type: 'integer', example: 0 })
  jitterSeconds: number;
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-05-01T00:00:00.000Z' })
  startAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, example: '2027-12-31T22:59:59.000Z' })
  endAt: string | null;
  @ApiProperty({ format: 'date-time', example: '2027-05-01T09:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ format: 'date-time', example: '2027-05-01T09:00:00.000Z' })
  updatedAt: string;
}

export class SchedulePageDto implements PageView<ScheduleView> {
  @Type(() => ScheduleDto)
  items: ScheduleDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ nullable: true, example: EXAMPLE_CURSOR })
  nextCursor: string | null;
}

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function toScheduleDto(schedule: ScheduleEntity, description: string): ScheduleDto {
  return {
    id: schedule.id,
    taskId: schedule.taskId,
    schedule: schedule.spec,
    text: schedule.text ?? null,
    type: schedule.type,
    description,
    timezone: schedule.timezone,
    nextRunAt: schedule.paused ? null : isoOrNull(schedule.nextRunAt),
    lastRunAt: isoOrNull(schedule.lastRunAt),
    paused: schedule.paused,
    misfirePolicy: schedule.misfirePolicy,
    misfireGraceSeconds: schedule.misfireGraceSeconds,
    overlapPolicy: schedule.overlapPolicy,
    timeoutSeconds: schedule.timeoutSeconds,
    maxRetries: schedule.maxRetries,
    retryBackoffSeconds: schedule.retryBackoffSeconds,
    jitterSeconds: schedule.jitterSeconds,
    startAt: isoOrNull(schedule.startAt),
    endAt: isoOrNull(schedule.endAt),
    createdAt: schedule.createdAt.toISOString(),
    updatedAt: schedule.updatedAt.toISOString(),
  };
}
