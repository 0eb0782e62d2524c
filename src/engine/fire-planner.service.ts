import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { forEachInSlices } from '../common/time-slices';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { DatabaseState } from '../persistence/database-state.service';
import { TaskRunEntity } from '../persistence/task-run.entity';
import {
  ClaimedRun,
  FireClaim,
  RunClaimsRepository,
  ScheduleAdvance,
} from '../persistence/run-claims.repository';
import { TaskRepository } from '../persistence/task.repository';
import { DueSchedule, PlannedSchedule, ScheduleRepository } from '../persistence/schedule.repository';
import { applyMisfirePolicy, MISFIRE_THRESHOLD_MS, planFires } from './fire-plan';
import { ClusterMembership } from './cluster-membership.service';
import { FireTimers } from './fire-timers';
import { INSTANCE_LEASE_MS, RUN_LEASE_MS } from './leases';
import { InstanceIdentity } from './instance-identity';
import { RunExecutor } from './run-executor.service';
import { RunOutcomes } from './run-outcomes';
import { Fire, runPolicyOf } from './run-policy';
import { TriggerCache } from './trigger-cache';
import { SpinBudget } from './spin-budget';

/** How often the planner looks for fires coming due. */
export const TICK_MS = 1_000;
/** How far ahead fires are claimed and armed: more than a tick, so a late tick still arms in time. */
export const HORIZON_MS = 2_000;
/**
 * Schedules read (and their fires claimed) per round; a busier window is read in several. Small
 * enough that no round holds the service's one thread for long: pg parses a result as it
 * arrives, in one go, and 5,000 due schedules (or claimed runs) took 20–60 ms of it — a group
 * whose start fell due meanwhile started that much late. 1,000 take a fifth of that.
 */
export const DUE_BATCH = 1_000;
/** Rounds per planning pass at most (with several instances a lost race reads a schedule again). */
const MAX_ROUNDS = 100;
export const PLANNER_JOB = 'scout:planner';
/**
 * How long before its instant a group's start is recorded (one watermark update and one read,
 * whatever the group's size). Room for both while the database is busy with a 10,000-row final
 * batch; a crash inside this window leaves the group `interrupted`, never run twice.
 */
export const PRESTART_MS = 200;
const PLANNER_ALIGN_JOB = 'scout:planner-start';
/**
 * The last stretch before an instant that is waited on the CPU rather than by a timer: a timer
 * delayed by other work (a GC scavenge takes 5–10 ms at thousands of runs a second) still
 * lands inside it.
 */
const SPIN_MS = 5;
/** Clock reads in a spin: well over SPIN_MS on a real clock (a read takes ~25 ns). */
const SPIN_LIMIT = 400_000;
/** At most this much spinning per second (2 % of a core), however many distinct instants fire. */
const SPIN_BUDGET_MS = 20;
/**
 * Where in each second the planner ticks: just after the whole second, once that second's group
 * has started. A tick's work (reading due schedules, building and sending the claims, reading
 * back thousands of claimed rows) then has most of the second to itself and is over well before
 * the next group's start is recorded (PRESTART_MS before its instant). Ticking half-way through
 * the second left it only that half: at 10,000 fires a second it ran into the next instant.
 */
export const TICK_PHASE_MS = 100;
/**
 * A group's start watermark is only written while its claims' leases have this long to run:
 * a claim can be taken over once its lease expired, and the write itself must land before that.
 */
export const WATERMARK_MARGIN_MS = 2_000;

interface ArmedFire {
  /** Built when armed, so the instant only hands it to the executor. */
  fire: Fire;
  atMs: number;
  /** Claimed here with its planned start: started by the instance's watermark, not run by run. */
  planned: boolean;
}

/**
 * Arms what falls due. Every tick it reads the schedules due within the horizon (index on
 * `next_run_at`), plans their fires (misfires by policy), claims them all in one transaction
 * (`INSERT … ON CONFLICT DO NOTHING`: a fire another instance claimed inserts nothing) and arms
 * the ones it won: fires of the same instant share one named timeout in `SchedulerRegistry`.
 * Memory holds only the next couple of seconds, whatever the number of stored schedules.
 */
@Injectable()
export class FirePlanner {
  private readonly logger = new Logger(FirePlanner.name);
  private readonly armed = new Map<string, ArmedFire>();
  private readonly groups = new Map<number, Set<string>>();
  private readonly triggers = new TriggerCache();
  /**
   * Starts not yet written to `schedule.last_run_at` (instant, and when it was noted): the
   * schedule's next advance carries them.
   */
  private readonly lastStarts = new Map<string, { atMs: number; notedMs: number }>();
  private readonly spinBudget = new SpinBudget(SPIN_BUDGET_MS, TICK_MS);
  private running = false;
  private inFlight: Promise<void> | null = null;
  /** Groups whose start is being recorded: a shutdown lets them start (their starts are promised). */
  private readonly firing = new Set<Promise<void>>();
  /** A plan was asked for while a pass was in flight: one more pass follows it. */
  private again = false;
  /** The safety net (takeovers, armed fires no longer held) is due: the next pass runs it. */
  private reconcileDue = true;
  /**
   * Schedules disarmed since the current round read the due schedules. That round may already
   * have claimed fires of theirs from the schedule row as it was before the change: it arms none
   * of them and deletes their claims itself (see armClaimed).
   */
  private revoked = new Set<string>();

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly tasks: TaskRepository,
    private readonly claims: RunClaimsRepository,
    private readonly executor: RunExecutor,
    private readonly outcomes: RunOutcomes,
    private readonly timers: FireTimers,
    private readonly registry: SchedulerRegistry,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly membership: ClusterMembership,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Optional() private readonly database?: DatabaseState,
  ) {}

  private completedPasses = 0;

  /** Planning passes completed (the first one arms everything due within the horizon). */
  get passes(): number {
    return this.completedPasses;
  }

  get armedCount(): number {
    return this.armed.size;
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
      this.registry.addInterval(
        PLANNER_JOB,
        setInterval(() => this.periodicTick(), TICK_MS),
      );
      this.periodicTick();
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timers.disarm(PLANNER_ALIGN_JOB);
    if (this.registry.doesExist('interval', PLANNER_JOB)) this.registry.deleteInterval(PLANNER_JOB);
    await this.inFlight;
    for (const atMs of this.groups.keys()) this.timers.disarm(this.groupName(atMs));
    this.groups.clear();
    this.armed.clear();
    // A group whose start is being recorded starts (within PRESTART_MS) and is drained with the rest.
    await Promise.all(this.firing);
    this.revoked.clear();
    try {
      await this.writeLastStarts(Infinity);
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
          await this.planDue();
          await this.writeLastStarts(passStartedMs);
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
   * call, finds the schedule in `revoked` (kept since the round read the schedules) and deletes
   * the claim instead — which also covers a claim committed after the delete here, which could
   * not see it. A group already being started starts only the claims its last read still finds
   * held: a fire whose start was recorded before the delete (within 200 ms of its instant) runs.
   */
  disarmSchedule(
    scheduleId: string,
    options: { deletePending: boolean } = { deletePending: true },
  ): Promise<void> {
    this.revoked.add(scheduleId);
    const dropped: string[] = [];
    for (const [runId, fire] of this.armed) {
      if (fire.fire.run.scheduleId !== scheduleId) continue;
      this.forgetArmed(runId);
      dropped.push(runId);
    }
    this.triggers.forget(scheduleId);
    this.executor.cancelRetries(scheduleId);
    if (options.deletePending) return this.claims.deletePendingOf(scheduleId);
    // Claimed here, never to start here: the other instance's delete may have run before their claim committed.
    return this.claims.deleteClaims(dropped, this.identity.id);
  }

  /**
   * Arms open runs taken over from a dead instance (or left by this host's previous process):
   * a run still ahead, or late within its misfire rule, runs; the rest are recorded `missed`.
   */
  async armTakenOver(runs: TaskRunEntity[]): Promise<void> {
    if (runs.length === 0) return;
    const now = this.clock.now();
    const schedules = new Map(
      (await this.schedules.findByIds(this.idsOf(runs, 'scheduleId'))).map((s) => [s.id, s]),
    );
    const tasks = new Map((await this.tasks.findByIds(this.idsOf(runs, 'taskId'))).map((t) => [t.id, t]));
    const byKey = new Map<string, TaskRunEntity[]>();
    for (const run of runs)
      byKey.set(run.scheduleId ?? run.id, [...(byKey.get(run.scheduleId ?? run.id) ?? []), run]);
    for (const group of byKey.values()) {
      const schedule = group[0].scheduleId ? (schedules.get(group[0].scheduleId) ?? null) : null;
      const late = group.filter((run) => run.scheduledFor.getTime() < now.getTime() - MISFIRE_THRESHOLD_MS);
      const rule = {
        policy: schedule?.misfirePolicy ?? this.options.misfirePolicy,
        graceSeconds: schedule?.misfireGraceSeconds ?? this.options.misfireGraceSeconds,
      };
      // run_once means one catch-up run per schedule: if the schedule itself fell behind, the
      // planner's latest missed instant is that run and these older claims are only recorded.
      const plannerCatchesUp =
        rule.policy === 'run_once' &&
        schedule?.nextRunAt != null &&
        schedule.nextRunAt.getTime() < now.getTime() - MISFIRE_THRESHOLD_MS;
      const verdicts = new Map(
        applyMisfirePolicy(
          late.map((run) => run.scheduledFor),
          rule,
          now,
          !plannerCatchesUp,
        ).map((planned) => [planned.scheduledFor, planned]),
      );
      for (const run of group) {
        const task = tasks.get(run.taskId);
        const verdict = verdicts.get(run.scheduledFor);
        if (!task || (schedule === null && run.scheduleId !== null)) {
          this.recordMissed(run, 'missed: its task or schedule was deleted before it could run');
        } else if (verdict?.status === 'missed') {
          this.recordMissed(run, verdict.error ?? 'missed');
        } else {
          this.arm(run, task, schedule);
        }
      }
    }
  }

  private forgetArmed(runId: string): void {
    const fire = this.armed.get(runId);
    if (!fire) return;
    this.armed.delete(runId);
    const group = this.groups.get(fire.atMs);
    group?.delete(runId);
    if (group?.size === 0) {
      this.groups.delete(fire.atMs);
      this.timers.disarm(this.groupName(fire.atMs));
    }
  }

  /**
   * Claims whose lease ran out (their claimer died or stalled) are taken over; and armed fires
   * this instance no longer holds (their schedule was paused or cancelled elsewhere and the
   * notification was missed) are dropped. The safety net under LISTEN/NOTIFY.
   */
  private async reconcile(): Promise<void> {
    // Back from an outage, peers' leases all look expired: none is taken until they could beat again.
    const peersJudged = this.database?.reachableFor(INSTANCE_LEASE_MS) ?? true;
    const taken = peersJudged
      ? await this.claims.takeOverExpired(this.identity.id, this.clock.now(), RUN_LEASE_MS, DUE_BATCH)
      : [];
    await this.armTakenOver(taken);
    if (this.armed.size === 0) return;
    const armedIds = [...this.armed.keys()];
    const held = await this.claims.stillHeld(armedIds, this.identity.id);
    for (const runId of armedIds) if (!held.has(runId) && this.armed.has(runId)) this.forgetArmed(runId);
  }

  private async planDue(): Promise<void> {
    if (this.reconcileDue) {
      // At most once a second: a plan asked for by a request needs only the due schedules.
      this.reconcileDue = false;
      await this.reconcile();
    }
    const startedMs = this.clock.nowMs();
    for (let round = 0; round < MAX_ROUNDS && this.running; round++) {
      // Before the read: a schedule disarmed from here on may be in what it reads.
      this.revoked = new Set();
      const now = this.clock.now();
      const until = new Date(now.getTime() + HORIZON_MS);
      // Another owner's fires are claimed here only if still unclaimed when due within a tick.
      const backupUntil = new Date(now.getTime() + TICK_MS);
      const due = await this.schedules.findDue(until, backupUntil, this.membership.partition, DUE_BATCH);
      if (due.length === 0) return;
      const claims: FireClaim[] = [];
      const advances: ScheduleAdvance[] = [];
      await forEachInSlices(due, (schedule) => {
        const planned = this.plan(schedule, now, schedule.owned ? until : backupUntil);
        claims.push(...planned.claims);
        if (
          planned.claims.length > 0 ||
          planned.advance.nextRunAt?.getTime() !== schedule.nextRunAt?.getTime()
        ) {
          advances.push({ ...planned.advance, lastRunAt: this.takeLastStart(schedule.id) });
        }
      });
      let claimed: ClaimedRun[];
      try {
        claimed = await this.claims.claimFires(claims, advances, this.identity.id, RUN_LEASE_MS);
      } catch (error) {
        // Nothing was written: the starts the advances carried wait for the next pass.
        for (const { scheduleId, lastRunAt } of advances)
          if (lastRunAt) this.noteStart(scheduleId, lastRunAt.getTime());
        throw error;
      }
      await this.armClaimed(claimed, new Map(due.map((schedule) => [schedule.id, schedule])));
      if (due.length < DUE_BATCH) return;
      // A pass that has run for a second hands over to the next, which follows at once: its
      // later rounds would find its first rounds' schedules due again (the horizon moves with the
      // clock) and, behind on a busy machine, ran on for over a minute — no pass completed, so
      // the safety net never ran and every caller waiting for a pass waited that long.
      if (this.clock.nowMs() - startedMs >= TICK_MS) {
        this.again = true;
        return;
      }
    }
  }

  private plan(
    schedule: DueSchedule,
    now: Date,
    until: Date,
  ): { claims: FireClaim[]; advance: ScheduleAdvance } {
    const expectedNextRunAt = schedule.nextRunAt!;
    const advance: ScheduleAdvance = {
      scheduleId: schedule.id,
      version: schedule.version,
      expectedNextRunAt,
      nextRunAt: null,
      lastRunAt: null,
    };
    try {
      const trigger = this.triggers.get(schedule);
      const rule = { policy: schedule.misfirePolicy, graceSeconds: schedule.misfireGraceSeconds };
      const plan = planFires(trigger, expectedNextRunAt, rule, now, until);
      if (plan.truncated) {
        this.logger.warn(
          `Schedule ${schedule.id} missed more than 100 fires; only the latest 100 are recorded`,
        );
      }
      // A catch-up (an instant already past) starts now, not at its instant: its claim says so.
      const nowMs = now.getTime();
      return {
        claims: plan.fires.map((fire) => ({
          scheduleId: schedule.id,
          version: schedule.version,
          ...fire,
          startAt:
            fire.status === 'pending'
              ? new Date(Math.max(fire.scheduledFor.getTime() + this.jitterOf(schedule), nowMs))
              : null,
        })),
        advance: { ...advance, nextRunAt: plan.nextRunAt },
      };
    } catch (error) {
      // A stored spec that no longer parses (e.g. a time zone removed from the host's tz data).
      this.logger.error(
        `Schedule ${schedule.id} (${schedule.spec}) cannot be planned and stops: ${(error as Error).message}`,
      );
      return { claims: [], advance };
    }
  }

  /**
   * Arms what this round claimed, except the fires of schedules disarmed since it read them
   * (paused, cancelled, replaced or deleted meanwhile): those claims are deleted, never started.
   */
  private async armClaimed(claimed: ClaimedRun[], schedules: Map<string, DueSchedule>): Promise<void> {
    const revoked: string[] = [];
    for (const run of claimed) {
      if (run.status === 'missed') this.outcomes.recorded(run);
      else if (this.revoked.has(run.scheduleId!)) revoked.push(run.id);
      else if (!run.task) this.recordMissed(run, 'missed: its task was deleted before it could run');
      else this.arm(run, run.task, schedules.get(run.scheduleId!) ?? null, run.startedAt?.getTime());
    }
    await this.claims.deleteClaims(revoked, this.identity.id);
  }

  /**
   * Arms a run for its planned start; without one (a run taken over) for its instant plus jitter,
   * to be started run by run.
   */
  private arm(
    run: Fire['run'],
    task: Fire['task'],
    schedule: PlannedSchedule | null,
    plannedStartMs?: number,
  ): void {
    const planned = plannedStartMs !== undefined;
    const atMs = plannedStartMs ?? run.scheduledFor.getTime() + this.jitterOf(schedule);
    this.armed.set(run.id, {
      fire: { run, task, policy: runPolicyOf(schedule), event: null, recorded: true },
      atMs,
      planned,
    });
    let group = this.groups.get(atMs);
    if (!group) {
      group = new Set();
      this.groups.set(atMs, group);
      this.timers.arm(this.groupName(atMs), atMs - PRESTART_MS, () => {
        const firing = this.fireGroup(atMs).finally(() => this.firing.delete(firing));
        this.firing.add(firing);
      });
    }
    group.add(run.id);
  }

  /**
   * Just before the instant, records the group's start — for the fires claimed here, one row:
   * this instance's start watermark; for the others (taken over), each run `running` — then
   * starts their handlers from memory exactly at the instant. Only runs this instance still holds
   * start: a claim deleted (paused, cancelled) or taken over meanwhile does not.
   */
  private async fireGroup(atMs: number): Promise<void> {
    const fires: ArmedFire[] = [];
    for (const runId of this.groups.get(atMs) ?? []) {
      const armed = this.armed.get(runId);
      this.armed.delete(runId);
      if (armed) fires.push(armed);
    }
    this.groups.delete(atMs);
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
    await this.waitUntil(atMs);
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
      if (held.has(fire.run.id) && fire.run.scheduleId) this.noteStart(fire.run.scheduleId, atMs);
    return held;
  }

  /**
   * The start recorded for a group started run by run: its planned start, or now when that has
   * passed (a fire taken over, or a late group), so history tells when it really started.
   */
  private startOf(atMs: number): Date {
    return new Date(Math.max(atMs, this.clock.nowMs()));
  }

  private noteStart(scheduleId: string, atMs: number): void {
    const noted = this.lastStarts.get(scheduleId);
    this.lastStarts.set(scheduleId, {
      atMs: Math.max(noted?.atMs ?? 0, atMs),
      notedMs: noted?.notedMs ?? this.clock.nowMs(),
    });
  }

  private takeLastStart(scheduleId: string): Date | null {
    const noted = this.lastStarts.get(scheduleId);
    if (noted === undefined) return null;
    this.lastStarts.delete(scheduleId);
    return new Date(noted.atMs);
  }

  /**
   * Writes, in one statement, the starts noted before `notedBeforeMs` that no advance carried
   * (schedules not due again within the horizon); on failure they are kept for the next pass.
   * A start noted during the pass waits for the next one: at thousands of fires a second a pass
   * takes most of a second and each group's starts are noted while it runs, and the next pass's
   * advance of the same schedules carries them at no cost — writing them here doubled the
   * schedule updates.
   */
  private async writeLastStarts(notedBeforeMs: number): Promise<void> {
    const starts: Array<{ scheduleId: string; at: Date }> = [];
    for (const [scheduleId, { atMs, notedMs }] of this.lastStarts) {
      if (notedMs >= notedBeforeMs) continue;
      starts.push({ scheduleId, at: new Date(atMs) });
      this.lastStarts.delete(scheduleId);
    }
    if (starts.length === 0) return;
    try {
      await this.claims.touchLastRun(starts);
    } catch (error) {
      for (const { scheduleId, at } of starts) this.noteStart(scheduleId, at.getTime());
      throw error;
    }
  }

  private jitterOf(schedule: PlannedSchedule | null): number {
    return schedule?.jitterSeconds ? Math.floor(Math.random() * schedule.jitterSeconds * 1000) : 0;
  }

  /**
   * A timer wakes up to a millisecond or two late, so it is set for just before the instant and
   * the last stretch is waited on the CPU (at most SPIN_MS per group, SPIN_BUDGET_MS a second).
   * The spin is bounded: a clock that does not move (fake timers) falls back to a timer.
   */
  private async waitUntil(atMs: number): Promise<void> {
    const early = this.spinBudget.allows(this.clock.nowMs()) ? SPIN_MS : 0;
    const wait = atMs - this.clock.nowMs();
    if (wait > early) await new Promise((resolve) => setTimeout(resolve, wait - early));
    if (early > 0) {
      const spinFrom = this.clock.nowMs();
      for (let spins = 0; spins < SPIN_LIMIT && this.clock.nowMs() < atMs; spins++);
      this.spinBudget.spent(this.clock.nowMs() - spinFrom);
    }
    const left = atMs - this.clock.nowMs();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }

  private recordMissed(run: Fire['run'], error: string): void {
    this.outcomes.notStarted(run, 'missed', error);
  }

  private groupName(atMs: number): string {
    return `scout:fire:${new Date(atMs).toISOString()}`;
  }

  private idsOf(runs: TaskRunEntity[], key: 'taskId' | 'scheduleId'): string[] {
    return [...new Set(runs.map((run) => run[key]).filter((id): id is string => id !== null))];
  }
}
