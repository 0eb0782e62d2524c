import { InstanceRow } from '../../persistence/instance.repository';

export class InstanceDto {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  /** Last heartbeat (database time). */
  heartbeatAt: string;
  /** Heartbeat within the lease and not stopped. */
  alive: boolean;
  /** The instance that answered this request. */
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
