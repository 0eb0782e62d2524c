import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../../config/scheduler-options';
import { DatabaseState } from '../../persistence/database-state.service';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import { RunClaimsRepository } from '../../persistence/run-claims.repository';
import { TaskRepository } from '../../persistence/task.repository';
import { ScheduleRepository } from '../../persistence/schedule.repository';
import { ClaimRounds } from './claim-rounds';
import { ClusterMembership } from '../cluster/cluster-membership.service';
import { FireGroups } from './fire-groups';
import { FireTimers } from '../fire-timers';
import { InstanceIdentity } from '../cluster/instance-identity';
import { LastRunWriter } from './last-run-writer';
import { TICK_MS, TICK_PHASE_MS } from './planner-timing';
import { RunExecutor } from '../runner/run-executor.service';
import { RunOutcomes } from '../runner/run-outcomes';
import { StartRecorder } from './start-recorder';
import { Takeover } from './takeover';

export const PLANNER_JOB = 'scout:planner';
const PLANNER_ALIGN_JOB = 'scout:planner-start';

/**
 * Arms what falls due. Every second a planning pass claims the fires due within the horizon and
 * arms the ones it won (ClaimRounds), which start at their instant (FireGroups, StartRecorder);
 * once a second it also takes over expired claims and drops fires no longer held (Takeover).
 * This class runs the passes: one at a time, on the second's tick or when asked.
 */
@Injectable()
export class FirePlanner {
  private readonly logger = new Logger(FirePlanner.name);
  private readonly lastRuns: LastRunWriter;
  private readonly recorder: StartRecorder;
  private readonly groups: FireGroups;
  private readonly rounds: ClaimRounds;
  private readonly takeover: Takeover;
  private running = false;
  private inFlight: Promise<void> | null = null;
  /** A plan was asked for while a pass was in flight: one more pass follows it. */
  private again = false;
  /** The safety net (takeovers, armed fires no longer held) is due: the next pass runs it. */
  private reconcileDue = true;
  private completedPasses = 0;

  constructor(
    schedules: ScheduleRepository,
    tasks: TaskRepository,
    private readonly claims: RunClaimsRepository,
    private readonly executor: RunExecutor,
    outcomes: RunOutcomes,
    private readonly timers: FireTimers,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    membership: ClusterMembership,
    @Inject(SCHEDULER_OPTIONS) options: SchedulerOptions,
    @Optional() private readonly database?: DatabaseState,
  ) {
    this.lastRuns = new LastRunWriter(claims, clock);
    this.recorder = new StartRecorder(claims, executor, this.lastRuns, clock, identity, database);
    this.groups = new FireGroups(timers, this.recorder);
    this.rounds = new ClaimRounds(
      schedules,
      claims,
      outcomes,
      this.groups,
      this.lastRuns,
      clock,
      identity,
      membership,
      () => this.running,
    );
    this.takeover = new Takeover(
      schedules,
      tasks,
      claims,
      outcomes,
      this.groups,
      clock,
      identity,
      options,
      database,
    );
  }

  /** Planning passes completed (the first one arms everything due within the horizon). */
  get passes(): number {
    return this.completedPasses;
  }

  get armedCount(): number {
    return this.groups.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
    // Tick just after each whole second (TICK_PHASE_MS), where (almost) no fire falls: planning
    // work — which runs on this very thread with the embedded database — then never delays a fire.
    const now = this.clock.nowMs();
    const delay = (((TICK_PHASE_MS - now) % TICK_MS) + TICK_MS) % TICK_MS;
    this.timers.arm(PLANNER_ALIGN_JOB, now + delay, () => {
      if (!this.running) return;
      this.timers.armInterval(PLANNER_JOB, TICK_MS, () => this.periodicTick());
      this.periodicTick();
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timers.disarm(PLANNER_ALIGN_JOB);
    this.timers.disarmInterval(PLANNER_JOB);
    await this.inFlight;
    this.groups.clear();
    // A group whose start is being recorded starts (within PRESTART_MS) and is drained with the rest.
    await this.recorder.drain();
    this.rounds.clearRevoked();
    try {
      await this.lastRuns.writeLastStarts(Infinity);
    } catch (error) {
      this.logger.error(`Could not record the schedules' last runs: ${(error as Error).message}`);
    }
  }

  /**
   * The second's tick. One that finds a pass still in flight (it overran its second) runs the
   * next pass right after it, and with it the safety net; passes shorter than a second then drift
   * back onto the tick's phase within a few seconds.
   */
  private periodicTick(): void {
    this.reconcileDue = true;
    void this.tick();
  }

  /**
   * Plans now (coalesced with a pass in flight: one more pass follows it): called when a
   * schedule is created or resumed, or another instance changed one.
   */
  tick(): Promise<void> {
    // While the database is away nothing could be claimed: passes wait for it (DatabaseState probes).
    if (!this.running || this.database?.reachable === false) return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      try {
        do {
          this.again = false;
          // Starts noted from here on wait for the next pass's advance.
          const passStartedMs = this.clock.nowMs();
          if (this.reconcileDue) {
            // At most once a second: a plan asked for by a request needs only the due schedules.
            this.reconcileDue = false;
            await this.takeover.reconcile();
          }
          if (await this.rounds.planDue()) this.again = true;
          await this.lastRuns.writeLastStarts(passStartedMs);
          this.completedPasses++;
        } while (this.again && this.running);
      } catch (error) {
        if (!this.database?.report(error))
          this.logger.error(`Planning failed, retrying next tick: ${(error as Error).message}`);
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  /**
   * Takes a schedule's armed fires out of memory and its unstarted claims out of the database
   * (`deletePending`; a change made by another instance, which deleted them, passes false). The
   * caller has already stored the change (paused, versioned, replaced or deleted the schedule);
   * nothing here waits for a planning pass in flight. That pass cannot start a fire of this
   * schedule: a claim it makes from now on joins the changed row and inserts nothing. A claim it
   * made from the old row is dropped here if already armed; if not, its round arms it after this
   * call, finds the schedule revoked (kept since the round read the schedules) and deletes the
   * claim instead — which also covers a claim committed after the delete here, which could not
   * see it. A group already being started starts only the claims its last read still finds
   * held: a fire whose start was recorded before the delete (within PRESTART_MS of its instant) runs.
   */
  disarmSchedule(
    scheduleId: string,
    options: { deletePending: boolean } = { deletePending: true },
  ): Promise<void> {
    this.rounds.revoke(scheduleId);
    const dropped = this.groups.forgetSchedule(scheduleId);
    this.executor.cancelRetries(scheduleId);
    if (options.deletePending) return this.claims.deletePendingOf(scheduleId);
    // Claimed here, never to start here: the other instance's delete may have run before their claim committed.
    return this.claims.deleteClaims(dropped, this.identity.id);
  }

  /**
   * Arms open runs taken over from a dead instance (or left by this host's previous process):
   * a run still ahead, or late within its misfire rule, runs; the rest are recorded `missed`.
   */
  armTakenOver(runs: TaskRunEntity[]): Promise<void> {
    return this.takeover.armTakenOver(runs);
  }
}
