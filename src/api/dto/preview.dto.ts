import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { NotWith, RequiredUnless, SCHEDULE_OR_TEXT } from './either-field';
import { TRIGGER_TYPES, type TriggerType } from '../../triggers/trigger';
import type { PreviewQuery, PreviewView } from '../contract';

export class PreviewQueryDto implements PreviewQuery {
  /**
   * A schedule spec. Exactly one of `schedule` and `text` is required.
   * @example "cron:30 2 * * *"
   */
  @RequiredUnless('text')
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  schedule?: string;

  /**
   * A schedule in plain English, read as `POST /api/tasks/{id}/schedule` would read it now.
   * @example "every weekday at 9am"
   */
  @IsOptional()
  @NotWith('schedule', SCHEDULE_OR_TEXT)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text?: string;

  /** @example "Europe/Berlin" */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  /** Compute fire times after this instant (ISO 8601); default now. A `text` one-off is read against it too. */
  @ApiProperty({ required: false, format: 'date-time', example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** How many fire times, 1–100 (default 5). */
  @ApiProperty({ type: 'integer', required: false, example: 5 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  count?: number;
}

export class PreviewDto implements PreviewView {
  /**
   * The spec: as given, or read from `text`.
   * @example "cron:0 9 * * 1-5"
   */
  spec: string;
  @ApiProperty({ enum: TRIGGER_TYPES, example: 'cron' })
  type: TriggerType;
  /** @example "At 09:00, Monday through Friday (Europe/Berlin)" */
  description: string;
  /**
   * The zone the spec is read in: the one `text` names, else `timezone`, else the default.
   * @example "Europe/Berlin"
   */
  timezone: string;
  /**
   * The next fire instants (ISO 8601, UTC); empty for `on:` and `after:`.
   * @example ["2027-01-01T02:30:00.000Z", "2027-01-02T02:30:00.000Z"]
   */
  nextRunTimes: string[];
  /** The `text` the spec was read from; null when a spec was given. */
  @ApiProperty({ type: 'string', nullable: true, example: 'every weekday at 9am' })
  interpretedFrom: string | null;
}
