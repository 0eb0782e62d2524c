import { Injectable } from '@nestjs/common';
import { InstanceIdentity } from './instance-identity';

/** This instance's share of the schedules: those whose `hashtext(id) mod count` is `index`. */
export interface Partition {
  count: number;
  index: number;
}

/**
 * Which live instances share the work. Each schedule has one owner among them (by a hash of its
 * id, computed in SQL), who claims its fires a full horizon ahead; the others claim them only if
 * still unclaimed shortly before they are due — so work is spread, and a dead owner's schedules
 * keep firing.
 */
@Injectable()
export class ClusterMembership {
  private members: string[];

  constructor(private readonly identity: InstanceIdentity) {
    this.members = [identity.id];
  }

  /** The live instances, as last read from the database (this one included). */
  update(liveInstanceIds: string[]): void {
    this.members = [...new Set([...liveInstanceIds, this.identity.id])].sort();
  }

  get partition(): Partition {
    return { count: this.members.length, index: this.members.indexOf(this.identity.id) };
  }
}
