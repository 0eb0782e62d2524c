import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { Clock } from '../common/clock';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { DatabaseState } from '../persistence/database-state.service';
import { InstanceRepository, InstanceRow } from '../persistence/instance.repository';
import { TaskRunEntity } from '../persistence/task-run.entity';
import { RunClaimsRepository } from '../persistence/run-claims.repository';
import { TaskRunRepository } from '../persistence/task-run.repository';
import { ClusterMembership } from './cluster/cluster-membership.service';
import { FirePlanner } from './planner/fire-planner.service';
import { InstanceIdentity } from './cluster/instance-identity';
import { HEARTBEAT_MS, INSTANCE_LEASE_MS } from './cluster/leases';
import { RunExecutor } from './runner/run-executor.service';
import { RunJournal } from './runner/run-journal.service';
import { RunOutcomes } from './runner/run-outcomes';
import { processIsAlive } from '../common/process-alive';
import { FireTimers } from './fire-timers';

export const HEARTBEAT_JOB = 'scout:heartbeat';
/**
 * For this long after the database comes back, each heartbeat looks for this instance's own
 * open runs left behind by the outage (claims it could not start, ends it could not record).
 */
export const ORPHAN_SWEEP_MS = 3 * INSTANCE_LEASE_MS;
/** An own open run is left behind once its lease ended this long ago and nothing here holds it. */
const ORPHAN_MARGIN_MS = 2_000;

/**
 * Start-up, heartbeat and shutdown of the runner. On start: register this instance, align the
 * clock with the database's, recover what dead instances left (their `running` runs become
 * `interrupted`, their `pending` claims are taken over and fire late or are recorded `missed` by
 * the misfire policy), then start planning. Every heartbeat repeats the clock alignment and the
 * recovery. On SIGTERM: stop arming, let running runs finish within the grace period (still
 * heartbeating), interrupt the rest, and mark this instance stopped so the others take over at once.
 */
@Injectable()
export class EngineLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EngineLifecycle.name);
  private started = false;
  private beating: Promise<void> | null = null;
  /** Shutting down: heartbeats go on until the runs are drained, and nothing else. */
  private stopping = false;
  private endGrace: () => void = () => undefined;
  private readonly graceEnded = new Promise<void>((resolve) => (this.endGrace = resolve));

  constructor(
    private readonly instances: InstanceRepository,
    private readonly runs: TaskRunRepository,
    private readonly claims: RunClaimsRepository,
    private readonly planner: FirePlanner,
    private readonly executor: RunExecutor,
    private readonly journal: RunJournal,
    private readonly outcomes: RunOutcomes,
    private readonly membership: ClusterMembership,
    private readonly timers: FireTimers,
    private readonly identity: InstanceIdentity,
    private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Optional() private readonly database?: DatabaseState,
  ) {
    // Back from an outage: beat at once (peers see this instance alive again), then plan.
    database?.onRestored(() => {
      if (this.started) void this.beat().then(() => this.planner.tick());
    });
  }

  /**
   * Whether heartbeats can tell a dead peer from one that, like this instance, could not reach
   * the database: only once this instance has reached it without a break for a whole
   * INSTANCE_LEASE_MS — every peer back as well has beaten meanwhile and reads alive.
   */
  get peersJudgeable(): boolean {
    return this.database?.reachableFor(INSTANCE_LEASE_MS) ?? true;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.runnerEnabled) return;
    const { id, host, pid } = this.identity;
    await this.instances.register({ id, host, pid });
    await this.alignClock();
    await this.recover();
    this.planner.start();
    this.timers.armInterval(HEARTBEAT_JOB, HEARTBEAT_MS, () => void this.beat());
    this.started = true;
    this.logger.log(`Scheduler instance ${id} started on ${host} (pid ${pid})`);
  }

  /** Stops waiting for running runs (a second signal): they are interrupted, recorded and announced now. */
  endGraceNow(): void {
    this.endGrace();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // The heartbeat goes on while runs finish: a grace longer than the instance lease must not
    // make the other instances take this one for dead and interrupt runs it is still finishing.
    this.stopping = true;
    await this.beating;
    await this.planner.stop();
    await this.executor.drain(this.options.shutdownGraceSeconds * 1000, this.graceEnded);
    this.timers.disarmInterval(HEARTBEAT_JOB);
    await this.beating;
    await this.instances.markStopped(this.identity.id);
    this.logger.log('Scheduler stopped');
  }

  /**
   * Recovers the open runs of every instance that is not alive; safe to run on several instances
   * at once (each run is interrupted or taken over by exactly one of them).
   */
  async recover(): Promise<void> {
    const judged = this.peersJudgeable;
    const all = await this.instances.findAll(INSTANCE_LEASE_MS);
    const alive = all.filter((instance) => this.isAlive(instance, judged));
    this.membership.update(alive.map((instance) => instance.id));
    const aliveIds = alive.map((instance) => instance.id);
    // Judged dead here: stopped, silent too long (when judged), or a dead process on this host.
    const deadIds = all.filter((instance) => !aliveIds.includes(instance.id)).map((instance) => instance.id);
    const open = await this.runs.findOpenOfDeadInstances(judged ? INSTANCE_LEASE_MS : null, deadIds);
    const orphans = await this.findOwnOrphans();
    open.push(...orphans);
    // Each ends at its instance's last sign of life (heartbeat or stop), not now: the downtime
    // is not part of the run.
    const now = this.clock.now();
    const ownIds = new Set(orphans.map((run) => run.id));
    const interrupted = [
      ...(await this.runs.interrupt(
        open.filter((run) => run.status === 'running' && !ownIds.has(run.id)).map((run) => run.id),
        now,
        'interrupted: the instance running it stopped (crash, kill or restart) before the run finished',
      )),
      ...(await this.runs.interrupt(
        orphans.filter((run) => run.status === 'running').map((run) => run.id),
        now,
        'interrupted: the database was unreachable as the run started or ended; its outcome is unknown',
      )),
    ];
    for (const run of interrupted) this.outcomes.recorded(run);
    const pending = open.filter((run) => run.status === 'pending');
    const taken = await this.claims.takeOver(
      pending.map((run) => run.id),
      [...new Set(pending.map((run) => run.instanceId ?? ''))],
      this.identity.id,
    );

    await this.planner.armTakenOver(taken);
    await this.journal.flush();
    // Forget instances long gone (their runs were recovered above).
    if (judged)
      await this.instances.remove(
        all
          .filter((instance) => !instance.alive && !aliveIds.includes(instance.id))
          .map((instance) => instance.id),
      );
    if (interrupted.length + taken.length > 0) {
      this.logger.warn(
        `Recovered from stopped instances${orphans.length > 0 ? ' and a database outage' : ''}: ${interrupted.length} run(s) interrupted, ${taken.length} claim(s) taken over`,
      );
    }
  }

  /** One beat at a time (the interval's and the one after an outage may meet). */
  private beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => (this.beating = null));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    // While the database is away DatabaseState probes it; a heartbeat could only fail.
    if (this.database?.reachable === false) return;
    try {
      if (!(await this.instances.heartbeat(this.identity.id))) {
        const { id, host, pid } = this.identity;
        await this.instances.register({ id, host, pid });
        this.logger.warn('This instance had been judged dead during a database outage: registered again');
      }
      if (this.stopping) return;
      await this.alignClock();
      await this.recover();
    } catch (error) {
      if (!this.database?.report(error)) this.logger.error(`Heartbeat failed: ${(error as Error).message}`);
    }
  }

  /**
   * This instance's open runs that nothing here holds any more, for a while after an outage:
   * claims whose start could not be recorded and runs whose end was lost. Read before looking
   * at what is held, so a run finishing meanwhile is final in the database and left alone.
   */
  private async findOwnOrphans(): Promise<TaskRunEntity[]> {
    if (!this.database || this.database.reachableFor(ORPHAN_SWEEP_MS)) return [];
    const expiredBefore = new Date(this.clock.nowMs() - ORPHAN_MARGIN_MS);
    const own = await this.runs.findExpiredOf(this.identity.id, expiredBefore);
    return own.filter((run) => !this.executor.isHandling(run.id) && !this.journal.holds(run.id));
  }

  /** Offsets this instance's clock to the database's, so instances agree on every instant. */
  private async alignClock(): Promise<void> {
    const before = this.clock.hostNowMs();
    const databaseNow = (await this.instances.databaseNow()).getTime();
    const after = this.clock.hostNowMs();
    const offset = databaseNow - (before + after) / 2;
    if (Math.abs(offset - this.clock.correctionMs) > 2) this.clock.setOffset(offset);
  }

  /** `judged` false: a stale heartbeat alone proves nothing (see peersJudgeable). */
  private isAlive(instance: InstanceRow, judged: boolean): boolean {
    if (instance.id === this.identity.id) return true;
    if (judged ? !instance.alive : instance.stoppedAt !== null) return false;
    // Same host: a previous process of ours (same pid after a container restart) or a dead pid.
    return !(
      instance.host === this.identity.host &&
      (instance.pid === this.identity.pid || !processIsAlive(instance.pid))
    );
  }
}
