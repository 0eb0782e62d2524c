import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { TRIGGER_TYPES, type TriggerType } from '../../triggers/trigger';
import type { PreviewQuery, PreviewView } from '../contract';

export class PreviewQueryDto implements PreviewQuery {
  /** @example "cron:30 2 * * *" */
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  schedule: string;

  /** @example "Europe/Berlin" */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  /** Compute fire times after this instant (ISO 8601); default now. */
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
  @ApiProperty({ enum: TRIGGER_TYPES, example: 'cron' })
  type: TriggerType;
  /** @example "At 02:30 every day" */
  description: string;
  /**
   * The next fire instants (ISO 8601, UTC); empty for `on:` and `after:`.
   * @example ["2027-01-01T02:30:00.000Z", "2027-01-02T02:30:00.000Z"]
   */
  nextRunTimes: string[];
}
