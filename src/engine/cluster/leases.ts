/** Heartbeat period of an instance. */
export const HEARTBEAT_MS = 2_000;
/** An instance silent for this long is dead: its `running` runs are interrupted. */
export const INSTANCE_LEASE_MS = 10_000;
/**
 * A claim is its claimer's alone until `scheduledFor + RUN_LEASE_MS`; then another instance may
 * take it over. Short, so a killed instance's claimed fires run elsewhere within seconds.
 */
export const RUN_LEASE_MS = 3_000;
