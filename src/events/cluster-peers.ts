/**
 * How many other instances are alive, as the engine last counted them: the gateway relays
 * events to other instances only when there are some. The engine provides it; the gateway reads
 * it through this class, so events/ does not depend on the engine.
 */
export abstract class ClusterPeers {
  /** Null until the first count (or with the runner off). */
  abstract readonly otherInstances: number | null;
}
