import { Injectable, Optional } from '@nestjs/common';
import { ClusterMembership } from '../engine/cluster/cluster-membership.service';
import { FirePlanner } from '../engine/planner/fire-planner.service';
import { RunExecutor } from '../engine/runner/run-executor.service';
import { EventsGateway } from '../events/events.gateway';

/**
 * What this process's scheduler is doing, read-only: the one view of the engine that
 * `SchedulerModule` exports (the health module's metrics read it), so nothing outside the
 * module needs the planner, the executor or the gateway themselves.
 */
@Injectable()
export class SchedulerStats {
  constructor(
    private readonly planner: FirePlanner,
    private readonly executor: RunExecutor,
    private readonly membership: ClusterMembership,
    @Optional() private readonly gateway?: EventsGateway,
  ) {}

  /** Planning passes completed since start: after the first, every fire due within the horizon is armed. */
  get planningPasses(): number {
    return this.planner.passes;
  }

  /** Fires claimed and armed in this process, waiting for their instant. */
  get armedFires(): number {
    return this.planner.armedCount;
  }

  /** Runs executing in this process. */
  get runningRuns(): number {
    return this.executor.activeCount;
  }

  /** Fires waiting for a free slot (SCHEDULER_MAX_CONCURRENT_RUNS). */
  get waitingRuns(): number {
    return this.executor.waitingCount;
  }

  /** The other live instances as the heartbeat last counted them; null before it has. */
  get otherInstances(): number | null {
    return this.membership.otherInstances;
  }

  /** Socket.IO clients connected to this process (0 without the gateway). */
  get socketClients(): number {
    return this.gateway?.connectedClients ?? 0;
  }
}
