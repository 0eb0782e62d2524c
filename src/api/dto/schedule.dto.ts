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
import { TRIGGER_TYPES, type TriggerType } from '../../triggers/trigger';
import {
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
  type MisfirePolicy,
  type OverlapPolicy,
} from '../../domain/policies';

export class CreateScheduleDto {
  /**
   * The schedule spec: `cron:30 2 * * *`, `every 30m`, `at:2027-05-14T14:30:00`, `in:1h`,
   * `on:<event>` or `after:<taskId>`.
   * @example "cron:30 2 * * *"
   */
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  schedule: string;

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
  @ApiProperty({ enum: MISFIRE_POLICIES, required: false })
  @IsIn(MISFIRE_POLICIES)
  misfirePolicy?: MisfirePolicy;

  /** With `run_once`: the latest missed fire still runs if at most this late. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(31_536_000)
  misfireGraceSeconds?: number;

  /** What to do when a fire comes while the previous run is still going; default `skip`. */
  @IsOptional()
  @ApiProperty({ enum: OVERLAP_POLICIES, required: false })
  @IsIn(OVERLAP_POLICIES)
  overlapPolicy?: OverlapPolicy;

  /**
   * A run still going after this many seconds ends as `timed_out` (its handler is aborted).
   * Absent: `SCHEDULER_DEFAULT_TIMEOUT_SECONDS` (600 unless configured), applied when each run
   * starts. `0`: no timeout at all.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  timeoutSeconds?: number;

  /** Failed or timed-out runs are retried up to this many times. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  maxRetries?: number;

  /** The first retry waits this long; each next one twice as long. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  retryBackoffSeconds?: number;

  /** Each timed fire is delayed by a random 0…jitterSeconds, to spread load. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600)
  jitterSeconds?: number;

  /** Nothing fires before this instant (ISO 8601; without offset: in the schedule's time zone). */
  @IsOptional()
  @IsISO8601({ strict: true })
  startAt?: string;

  /** Nothing fires after this instant (ISO 8601; without offset: in the schedule's time zone). */
  @IsOptional()
  @IsISO8601({ strict: true })
  endAt?: string;
}

export class ScheduleDto implements ScheduleView {
  id: string;
  taskId: string;
  /** @example "cron:30 2 * * *" */
  schedule: string;
  @ApiProperty({ enum: TRIGGER_TYPES })
  type: TriggerType;
  /** @example "At 02:30 every day" */
  description: string;
  /** @example "UTC" */
  timezone: string;
  /** The next planned fire (null: none on the clock, paused, or finished). */
  nextRunAt: string | null;
  lastRunAt: string | null;
  paused: boolean;
  @ApiProperty({ enum: MISFIRE_POLICIES })
  misfirePolicy: MisfirePolicy;
  misfireGraceSeconds: number;
  @ApiProperty({ enum: OVERLAP_POLICIES })
  overlapPolicy: OverlapPolicy;
  /** Null: `SCHEDULER_DEFAULT_TIMEOUT_SECONDS` applies to each run; 0: no timeout. */
  timeoutSeconds: number | null;
  maxRetries: number;
  retryBackoffSeconds: number;
  jitterSeconds: number;
  startAt: string | null;
  endAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export class SchedulePageDto {
  @Type(() => ScheduleDto)
  items: ScheduleDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function toScheduleDto(schedule: ScheduleEntity, description: string): ScheduleDto {
  return {
    id: schedule.id,
    taskId: schedule.taskId,
    schedule: schedule.spec,
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
