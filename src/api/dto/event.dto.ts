import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { DomainError, ErrorCode } from '../../domain/domain-error';
import { TaskRunDto } from './task-run.dto';
import type { EventAcceptedView } from '../contract';

export class PublishEventDto {
  /** Handed to every handler the event runs (as `context.event.payload`). */
  @IsOptional()
  @ApiProperty({ required: false, description: 'Any JSON value', example: { version: '1.4.2' } })
  payload?: unknown;
}

export class EventAcceptedDto implements EventAcceptedView {
  /** @example "deploy" */
  event: string;
  /** One run per task scheduled `on:<event>`. */
  @Type(() => TaskRunDto)
  runs: TaskRunDto[];
}

/** Sent with every call of the http handler, and read back by `POST /api/events/{name}`. */
export const CHAIN_DEPTH_HEADER = 'x-scout-chain-depth';

/** The header's value as a depth: absent is 0; anything but a non-negative integer is refused. */
export function parseChainDepth(value: string | undefined): number {
  if (value === undefined) return 0;
  const depth = /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (Number.isSafeInteger(depth)) return depth;
  throw new DomainError(
    ErrorCode.InvalidInput,
    `X-Scout-Chain-Depth must be a non-negative integer (got ${JSON.stringify(value.slice(0, 50))})`,
  );
}
