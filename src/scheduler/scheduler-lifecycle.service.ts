import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { SchedulerEventEmitter } from '../events/scheduler-event.emitter';
import { InstanceRepository, InstanceRow } from '../persistence/instance.repository';
import { TaskRunRepository } from '../persistence/task-run.repository';
import { ClusterMembership } from './cluster-membership.service';
import { SchedulerEventsGateway } from '../events/scheduler-events.gateway';
import { FirePlanner } from './fire-planner.service';
import { InstanceIdentity } from './instance-identity';
import { HEARTBEAT_MS, INSTANCE_LEASE_MS } from './leases';
import { RunExecutor } from './run-executor.service';
import { RunJournal } from './run-journal.service';

export const HEARTBEAT_JOB = 'scout:heartbeat';

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Start-up, heartbeat and shutdown of the runner. On start: register this instance, align the
 * clock with the database's, recover what dead instances left (their `running` runs become
 * `interrupted`, their `pending` claims are taken over and fire late or are recorded `missed` by
 * the misfire policy), then start planning. Every heartbeat repeats the clock alignment and the
 * recovery. On SIGTERM: stop arming, let running runs finish within the grace period (still
 * heartbeating), interrupt the rest, and mark this instance stopped so the others take over at once.
 */
@Injectable()
export class SchedulerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerLifecycle.name);
  private started = false;
  /** Shutting down: heartbeats go on until the runs are drained, and nothing else. */
  private stopping = false;
  private readonly beating = new Set<Promise<void>>();
  private endGrace: () => void = () => undefined;
  private readonly graceEnded = new Promise<void>((resolve) => (this.endGrace = resolve));

  constructor(
    private readonly instances: InstanceRepository,
    private readonly runs: TaskRunRepository,
    private readonly planner: FirePlanner,
    private readonly executor: RunExecutor,
    private readonly journal: RunJournal,
    private readonly events: SchedulerEventEmitter,
    private readonly membership: ClusterMembership,
    private readonly gateway: SchedulerEventsGateway,
    private readonly registry: SchedulerRegistry,
    private readonly identity: InstanceIdentity,
    private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.runnerEnabled) return;
    const { id, host, pid } = this.identity;
    await this.instances.register({ id, host, pid });
    await this.alignClock();
    await this.recover();
    this.planner.start();
    this.registry.addInterval(
      HEARTBEAT_JOB,
      setInterval(() => this.beat(), HEARTBEAT_MS),
    );
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
    await Promise.all(this.beating);
    await this.planner.stop();
    await this.executor.drain(this.options.shutdownGraceSeconds * 1000, this.graceEnded);
    if (this.registry.doesExist('interval', HEARTBEAT_JOB)) this.registry.deleteInterval(HEARTBEAT_JOB);
    await Promise.all(this.beating);
    await this.instances.markStopped(this.identity.id);
    this.logger.log('Scheduler stopped');
  }

  /**
   * Recovers the open runs of every instance that is not alive; safe to run on several instances
   * at once (each run is interrupted or taken over by exactly one of them).
   */
  async recover(): Promise<void> {
    const all = await this.instances.findAll(INSTANCE_LEASE_MS);
    const alive = all.filter((instance) => this.isAlive(instance));
    this.membership.update(alive.map((instance) => instance.id));
    this.gateway.otherInstances = alive.filter((instance) => instance.id !== this.identity.id).length;
    const aliveIds = alive.map((instance) => instance.id);
    const deadOnThisHost = all.filter((instance) => instance.alive && !aliveIds.includes(instance.id));
    const open = await this.runs.findOpenOfDeadInstances(
      INSTANCE_LEASE_MS,
      deadOnThisHost.map((instance) => instance.id),
    );
    // Each ends at its instance's last sign of life (heartbeat or stop), not now: the downtime
    // is not part of the run.
    const interrupted = await this.runs.interrupt(
      open.filter((run) => run.status === 'running').map((run) => run.id),
      this.clock.now(),
      'interrupted: the instance running it stopped (crash, kill or restart) before the run finished',
    );
    for (const run of interrupted) {
      this.events.emit('task_error', {
        taskId: run.taskId,
        runId: run.id,
        status: 'interrupted',
        error: run.error,
        finishedAt: run.finishedAt!.toISOString(),
      });
    }
    const pending = open.filter((run) => run.status === 'pending');
    const taken = await this.runs.takeOver(
      pending.map((run) => run.id),
      [...new Set(pending.map((run) => run.instanceId ?? ''))],
      this.identity.id,
    );
    await this.planner.armTakenOver(taken);
    await this.journal.flush();
    // Forget instances long gone (their runs were recovered above).
    await this.instances.remove(
      all
        .filter((instance) => !instance.alive && !aliveIds.includes(instance.id))
        .map((instance) => instance.id),
    );
    if (interrupted.length + taken.length > 0) {
      this.logger.warn(
        `Recovered from stopped instances: ${interrupted.length} run(s) interrupted, ${taken.length} claim(s) taken over`,
      );
    }
  }

  private beat(): void {
    const beat = this.beatOnce().finally(() => this.beating.delete(beat));
    this.beating.add(beat);
  }

  private async beatOnce(): Promise<void> {
    try {
      await this.instances.heartbeat(this.identity.id);
      if (this.stopping) return;
      await this.alignClock();
      await this.recover();
    } catch (error) {
      this.logger.error(`Heartbeat failed: ${(error as Error).message}`);
    }
  }

  /** Offsets this instance's clock to the database's, so instances agree on every instant. */
  private async alignClock(): Promise<void> {
    const before = this.clock.hostNowMs();
    const databaseNow = (await this.instances.databaseNow()).getTime();
    const after = this.clock.hostNowMs();
    const offset = databaseNow - (before + after) / 2;
    if (Math.abs(offset - this.clock.correctionMs) > 2) this.clock.setOffset(offset);
  }

  private isAlive(instance: InstanceRow): boolean {
    if (instance.id === this.identity.id) return true;
    if (!instance.alive) return false;
    // Same host: a previous process of ours (same pid after a container restart) or a dead pid.
    return !(
      instance.host === this.identity.host &&
      (instance.pid === this.identity.pid || !processIsAlive(instance.pid))
    );
  }
}
