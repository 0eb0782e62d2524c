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
import { InstanceEntity } from '../persistence/instance.entity';
import { InstanceRepository } from '../persistence/instance.repository';
import { TaskRunRepository } from '../persistence/task-run.repository';
import { FirePlanner } from './fire-planner.service';
import { InstanceIdentity } from './instance-identity';
import { RunExecutor } from './run-executor.service';
import { RunJournal } from './run-journal.service';

export const HEARTBEAT_MS = 5_000;
/** An instance whose heartbeat is older than this is dead; its open runs are recovered. */
export const INSTANCE_LEASE_MS = 30_000;
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
 * Start-up and shutdown of the runner. On start: register this instance, recover what dead
 * instances left (their `running` runs become `interrupted`, their `pending` claims are taken
 * over and fire late or are recorded `missed` by the misfire policy), then start planning.
 * On SIGTERM: stop arming, let running runs finish within the grace period, interrupt the rest.
 */
@Injectable()
export class SchedulerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerLifecycle.name);
  private started = false;

  constructor(
    private readonly instances: InstanceRepository,
    private readonly runs: TaskRunRepository,
    private readonly planner: FirePlanner,
    private readonly executor: RunExecutor,
    private readonly journal: RunJournal,
    private readonly events: SchedulerEventEmitter,
    private readonly registry: SchedulerRegistry,
    private readonly identity: InstanceIdentity,
    private readonly clock: Clock,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.runnerEnabled) return;
    const now = this.clock.now();
    const { id, host, pid } = this.identity;
    await this.instances.register({ id, host, pid, startedAt: now, heartbeatAt: now });
    await this.recover();
    this.planner.start();
    this.registry.addInterval(
      HEARTBEAT_JOB,
      setInterval(() => void this.beat(), HEARTBEAT_MS),
    );
    this.started = true;
    this.logger.log(`Scheduler instance ${id} started on ${host} (pid ${pid})`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.registry.doesExist('interval', HEARTBEAT_JOB)) this.registry.deleteInterval(HEARTBEAT_JOB);
    await this.planner.stop();
    await this.executor.drain(this.options.shutdownGraceSeconds * 1000);
    await this.instances.markStopped(this.identity.id, this.clock.now());
    this.logger.log('Scheduler stopped');
  }

  /** Recovers the open runs of every dead instance (and of none); safe to run concurrently. */
  async recover(): Promise<void> {
    const now = this.clock.now();
    const dead = (await this.instances.findAll()).filter((instance) => this.isDead(instance, now));
    const deadIds = dead.map((instance) => instance.id);
    const open = await this.runs.findOpenOf(deadIds);
    const interrupted = await this.runs.interrupt(
      open.filter((run) => run.status === 'running').map((run) => run.id),
      now,
      'interrupted: the instance running it stopped (crash, kill or restart) before the run finished',
    );
    for (const run of interrupted) {
      this.events.emit('task_error', {
        taskId: run.taskId,
        runId: run.id,
        status: 'interrupted',
        error: run.error,
        finishedAt: now.toISOString(),
      });
    }
    const pendingIds = open.filter((run) => run.status === 'pending').map((run) => run.id);
    const taken = await this.runs.takeOver(pendingIds, deadIds, this.identity.id);
    await this.planner.armTakenOver(taken);
    await this.journal.flush();
    await this.instances.remove(deadIds);
    if (interrupted.length + taken.length > 0) {
      this.logger.warn(
        `Recovered ${dead.length} stopped instance(s): ${interrupted.length} run(s) interrupted, ${taken.length} claim(s) taken over`,
      );
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.instances.heartbeat(this.identity.id, this.clock.now());
      await this.recover();
    } catch (error) {
      this.logger.error(`Heartbeat failed: ${(error as Error).message}`);
    }
  }

  private isDead(instance: InstanceEntity, now: Date): boolean {
    if (instance.id === this.identity.id) return false;
    if (instance.stoppedAt) return true;
    if (now.getTime() - instance.heartbeatAt.getTime() > INSTANCE_LEASE_MS) return true;
    // Same host: a previous process of ours (same pid after a container restart) or a dead pid.
    return (
      instance.host === this.identity.host &&
      (instance.pid === this.identity.pid || !processIsAlive(instance.pid))
    );
  }
}
