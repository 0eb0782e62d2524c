import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { TaskRunDto } from './task-run.dto';

export class PublishEventDto {
  /** Handed to every handler the event runs (as `context.event.payload`). */
  @IsOptional()
  @ApiProperty({ required: false, description: 'Any JSON value' })
  payload?: unknown;
}

export class EventAcceptedDto {
  /** @example "deploy" */
  event: string;
  /** One run per task scheduled `on:<event>`. */
  @Type(() => TaskRunDto)
  runs: TaskRunDto[];
}
