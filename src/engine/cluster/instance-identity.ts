import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';

/** Who this process is among the scheduler instances sharing a database. */
@Injectable()
export class InstanceIdentity {
  readonly id = randomUUID();
  readonly host = hostname();
  readonly pid = process.pid;
}
