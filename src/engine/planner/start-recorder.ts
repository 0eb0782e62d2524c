import { Logger } from '@nestjs/common';
import type { Clock } from '../../common/clock';
import type { DatabaseState } from '../../persistence/database-state.service';
import type { RunClaimsRepository } from '../../persistence/run-claims.repository';
import type { ArmedFire } from './armed-fire';
import type { InstanceIdentity } from '../cluster/instance-identity';
import { InstantWaiter } from './instant-waiter';
import type { LastRunWriter } from './last-run-writer';
import { RUN_LEASE_MS } from '../cluster/leases';
import type { RunExecutor } from '../runner/run-executor.service';

/**
 * A group's start watermark is only written while its claims' leases have this long to run:
 * a claim can be taken over once its lease expired, and the write itself must land before that.
 */
export const WATERMARK_MARGIN_MS = 2_000;

/**
 * Starts a group of armed fires: just before the instant records their start — for the fires
 * claimed here, one row: this instance's start watermark; for the others (taken over), each run
 * `running` — then starts their handlers from memory exactly at the instant. Only runs this
 * instance still holds start: a claim deleted (paused, cancelled) or taken over meanwhile does not.
 */
export class StartRecorder {
  private readonly logger = new Logger('FirePlanner');
  private readonly waiter: InstantWaiter;
  /** Groups whose start is being recorded: a shutdown lets them start (their starts are promised). */
  private readonly firing = new Set<Promise<void>>();

  constructor(
    private readonly claims: RunClaimsRepository,
    private readonly executor: RunExecutor,
    private readonly lastRuns: LastRunWriter,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly database?: DatabaseState,
  ) {
    this.waiter = new InstantWaiter(clock);
  }

  startGroup(atMs: number, fires: ArmedFire[]): void {
    const firing = this.fireGroup(atMs, fires).finally(() => this.firing.delete(firing));
    this.firing.add(firing);
  }

  /** Waits for the groups whose start is being recorded (each starts within PRESTART_MS). */
  async drain(): Promise<void> {
    await Promise.all(this.firing);
  }

  private async fireGroup(atMs: number, fires: ArmedFire[]): Promise<void> {
    const planned = fires.filter((fire) => fire.planned);
    let held: Set<string>;
    try {
      held = new Set([
        ...(await this.startPlanned(planned, atMs)),
        ...(await this.claims.startIfHeld(
          fires.filter((armed) => !armed.planned).map((armed) => armed.fire.run.id),
          this.identity.id,
          this.startOf(atMs),
        )),
      ]);
    } catch (error) {
      // Left `pending`: their lease runs out and another instance (or, after an outage, this
      // one's recovery) takes them over.
      if (!this.database?.report(error))
        this.logger.error(
          `Could not start ${fires.length} fire(s) due at ${new Date(atMs).toISOString()}: ${(error as Error).message}`,
        );
      return;
    }
    await this.waiter.waitUntil(atMs);
    for (const { fire } of fires) if (held.has(fire.run.id)) this.executor.launch(fire);
  }

  /**
   * Records the start of fires claimed here by moving the watermark (one row, however many
   * runs), then leaves out those no longer held. Late — when a lease may have run out — it
   * falls back to recording each run.
   */
  private async startPlanned(fires: ArmedFire[], atMs: number): Promise<Set<string>> {
    if (fires.length === 0) return new Set();
    const ids = fires.map((armed) => armed.fire.run.id);
    const deadline = new Date(atMs + RUN_LEASE_MS - WATERMARK_MARGIN_MS);
    if (!(await this.claims.markStartedThrough(this.identity.id, new Date(atMs), deadline))) {
      return this.claims.startIfHeld(ids, this.identity.id, this.startOf(atMs));
    }
    // By primary key (`id = ANY`): an anti-join over the ids was planned as a scan of open runs.
    const held = await this.claims.stillHeld(ids, this.identity.id);
    for (const { fire } of fires)
      if (held.has(fire.run.id) && fire.run.scheduleId) this.lastRuns.noteStart(fire.run.scheduleId, atMs);
    return held;
  }

  /**
   * The start recorded for a group started run by run: its planned start, or now when that has
   * passed (a fire taken over, or a late group), so history tells when it really started.
   */
  private startOf(atMs: number): Date {
    return new Date(Math.max(atMs, this.clock.nowMs()));
  }
}
