import { Injectable } from '@nestjs/common';
import { ClusterPeers } from '../../events/cluster-peers';
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
export class ClusterMembership implements ClusterPeers {
  private members: string[];
  /** Whether a heartbeat has counted the live instances yet. */
  private counted = false;

  constructor(private readonly identity: InstanceIdentity) {
    this.members = [identity.id];
  }

  /** The live instances, as last read from the database (this one included). */
  update(liveInstanceIds: string[]): void {
    this.members = [...new Set([...liveInstanceIds, this.identity.id])].sort();
    this.counted = true;
  }

  /** The other live instances as last counted; null until the first heartbeat (or with the runner off). */
  get otherInstances(): number | null {
    return this.counted ? this.members.length - 1 : null;
  }

  get partition(): Partition {
    return { count: this.members.length, index: this.members.indexOf(this.identity.id) };
  }
}
