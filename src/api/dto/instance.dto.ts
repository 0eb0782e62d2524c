import { ApiProperty } from '@nestjs/swagger';
import { InstanceRow } from '../../persistence/instance.repository';
import { EXAMPLE_INSTANCE_ID } from './api-examples';
import type { InstanceView } from '../contract';

export class InstanceDto implements InstanceView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_INSTANCE_ID })
  id: string;
  /** @example "scheduler-1" */
  host: string;
  @ApiProperty({ type: 'integer', example: 4242 })
  pid: number;
  @ApiProperty({ format: 'date-time', example: '2027-05-14T00:00:00.000Z' })
  startedAt: string;
  /** Last heartbeat (database time). */
  @ApiProperty({ format: 'date-time', example: '2027-05-14T02:30:00.000Z' })
  heartbeatAt: string;
  /**
   * Heartbeat within the lease and not stopped.
   * @example true
   */
  alive: boolean;
  /**
   * The instance that answered this request.
   * @example true
   */
  self: boolean;
}

export function toInstanceDto(row: InstanceRow, selfId: string): InstanceDto {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    startedAt: row.startedAt.toISOString(),
    heartbeatAt: row.heartbeatAt.toISOString(),
    alive: row.alive,
    self: row.id === selfId,
  };
}
