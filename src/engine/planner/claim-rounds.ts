import { Logger } from '@nestjs/common';
import type { Clock } from '../../common/clock';
import { forEachInSlices } from '../../common/time-slices';
import type {
  ClaimedRun,
  FireClaim,
  RunClaimsRepository,
  ScheduleAdvance,
} from '../../persistence/run-claims.repository';
import type { DueSchedule, ScheduleRepository } from '../../persistence/schedule.repository';
import type { ClusterMembership } from '../cluster/cluster-membership.service';
import { planFires } from './fire-plan';
import { type FireGroups, jitterOf } from './fire-groups';
import type { InstanceIdentity } from '../cluster/instance-identity';
import type { LastRunWriter } from './last-run-writer';
import { RUN_LEASE_MS } from '../cluster/leases';
import { HORIZON_MS, TICK_MS } from './planner-timing';
import type { RunOutcomes } from '../runner/run-outcomes';
import { TriggerCache } from './trigger-cache';

/**
 * Schedules read (and their fires claimed) per round; a busier window is read in several. Small
 * enough that no round holds the service's one thread for long: pg parses a result in one go as
 * it arrives, and a group whose start fell due meanwhile would start that much late.
 */
export const DUE_BATCH = 1_000;
/** Rounds per planning pass at most (with several instances a lost race reads a schedule again). */
const MAX_ROUNDS = 100;

/**
 * A pass's claim rounds. Each reads the schedules due within the horizon (index on
 * `next_run_at`), plans their fires (misfires by policy), claims them all in one transaction
 * (`INSERT … ON CONFLICT DO NOTHING`: a fire another instance claimed inserts nothing) and arms
 * the ones it won.
 */
export class ClaimRounds {
  private readonly logger = new Logger('FirePlanner');
  private readonly triggers = new TriggerCache();
  /**
   * Schedules disarmed since the current round read the due schedules. That round may already
   * have claimed fires of theirs from the schedule row as it was before the change: it arms none
   * of them and deletes their claims itself (see armClaimed).
   */
  private revoked = new Set<string>();

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly claims: RunClaimsRepository,
    private readonly outcomes: RunOutcomes,
    private readonly groups: FireGroups,
    private readonly lastRuns: LastRunWriter,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly membership: ClusterMembership,
    private readonly running: () => boolean,
  ) {}

  /** A schedule was disarmed: the round in flight arms none of its fires and forgets its trigger. */
  revoke(scheduleId: string): void {
    this.revoked.add(scheduleId);
    this.triggers.forget(scheduleId);
  }

  clearRevoked(): void {
    this.revoked.clear();
  }

  /**
   * Claims and arms what falls due, round by round. Returns true when it handed over to the
   * next pass (it ran for a second with schedules left to read).
   */
  async planDue(): Promise<boolean> {
    const startedMs = this.clock.nowMs();
    for (let round = 0; round < MAX_ROUNDS && this.running(); round++) {
      // Before the read: a schedule disarmed from here on may be in what it reads.
      this.revoked = new Set();
      const now = this.clock.now();
      const until = new Date(now.getTime() + HORIZON_MS);
      // Another owner's fires are claimed here only if still unclaimed when due within a tick.
      const backupUntil = new Date(now.getTime() + TICK_MS);
      const due = await this.schedules.findDue(until, backupUntil, this.membership.partition, DUE_BATCH);
      if (due.length === 0) return false;
      const claims: FireClaim[] = [];
      const advances: ScheduleAdvance[] = [];
      await forEachInSlices(due, (schedule) => {
        const planned = this.plan(schedule, now, schedule.owned ? until : backupUntil);
        claims.push(...planned.claims);
        if (
          planned.claims.length > 0 ||
          planned.advance.nextRunAt?.getTime() !== schedule.nextRunAt?.getTime()
        ) {
          advances.push({ ...planned.advance, lastRunAt: this.lastRuns.takeLastStart(schedule.id) });
        }
      });
      let claimed: ClaimedRun[];
      try {
        claimed = await this.claims.claimFires(claims, advances, this.identity.id, RUN_LEASE_MS, now);
      } catch (error) {
        // Nothing was written: the starts the advances carried wait for the next pass.
        for (const { scheduleId, lastRunAt } of advances)
          if (lastRunAt) this.lastRuns.noteStart(scheduleId, lastRunAt.getTime());
        throw error;
      }
      // A catch-up starts at once, and a slow claim can return after the schedule's next instant
      // too: arming in start order lets the catch-up start first, as its instant comes first.
      const nowMs = now.getTime();
      if (claims.some((claim) => claim.status === 'pending' && claim.scheduledFor.getTime() < nowMs))
        claimed.sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0));
      await this.armClaimed(claimed, new Map(due.map((schedule) => [schedule.id, schedule])));
      if (due.length < DUE_BATCH) return false;
      // A pass that has run for a second hands over to the next, which follows at once: its
      // later rounds would find its first rounds' schedules due again (the horizon moves with the
      // clock) and, behind on a busy machine, ran on and on: no pass completed, so the safety
      // net never ran and every caller waiting for a pass waited that long.
      if (this.clock.nowMs() - startedMs >= TICK_MS) return true;
    }
    return false;
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
              ? new Date(Math.max(fire.scheduledFor.getTime() + jitterOf(schedule), nowMs))
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
      else if (!run.task)
        this.outcomes.notStarted(run, 'missed', 'missed: its task was deleted before it could run');
      else this.groups.arm(run, run.task, schedules.get(run.scheduleId!) ?? null, run.startedAt?.getTime());
    }
    await this.claims.deleteClaims(revoked, this.identity.id);
  }
}
