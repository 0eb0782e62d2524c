import type { Clock } from '../../common/clock';
import type { SchedulerOptions } from '../../config/scheduler-options';
import type { DatabaseState } from '../../persistence/database-state.service';
import type { RunClaimsRepository } from '../../persistence/run-claims.repository';
import type { ScheduleRepository } from '../../persistence/schedule.repository';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import type { TaskRepository } from '../../persistence/task.repository';
import { DUE_BATCH } from './claim-rounds';
import { applyMisfirePolicy, MISFIRE_THRESHOLD_MS } from './fire-plan';
import type { FireGroups } from './fire-groups';
import type { InstanceIdentity } from '../cluster/instance-identity';
import { INSTANCE_LEASE_MS, RUN_LEASE_MS } from '../cluster/leases';
import type { RunOutcomes } from '../runner/run-outcomes';

/**
 * Claims this instance did not make: those taken over from a dead or stalled instance (or left by
 * this host's previous process) are armed or recorded missed, and armed fires no longer held here
 * are dropped.
 */
export class Takeover {
  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly tasks: TaskRepository,
    private readonly claims: RunClaimsRepository,
    private readonly outcomes: RunOutcomes,
    private readonly groups: FireGroups,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly options: SchedulerOptions,
    private readonly database?: DatabaseState,
  ) {}

  /**
   * Arms open runs taken over: a run still ahead, or late within its misfire rule, runs; the
   * rest are recorded `missed`.
   */
  async armTakenOver(runs: TaskRunEntity[]): Promise<void> {
    if (runs.length === 0) return;
    const now = this.clock.now();
    const schedules = new Map(
      (await this.schedules.findByIds(idsOf(runs, 'scheduleId'))).map((s) => [s.id, s]),
    );
    const tasks = new Map((await this.tasks.findByIds(idsOf(runs, 'taskId'))).map((t) => [t.id, t]));
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
          this.outcomes.notStarted(
            run,
            'missed',
            'missed: its task or schedule was deleted before it could run',
          );
        } else if (verdict?.status === 'missed') {
          this.outcomes.notStarted(run, 'missed', verdict.error ?? 'missed');
        } else {
          this.groups.arm(run, task, schedule);
        }
      }
    }
  }

  /**
   * Claims whose lease ran out (their claimer died or stalled) are taken over; and armed fires
   * this instance no longer holds (their schedule was paused or cancelled elsewhere and the
   * notification was missed) are dropped. The safety net under LISTEN/NOTIFY.
   */
  async reconcile(): Promise<void> {
    // Back from an outage, peers' leases all look expired: none is taken until they could beat again.
    const peersJudged = this.database?.reachableFor(INSTANCE_LEASE_MS) ?? true;
    const taken = peersJudged
      ? await this.claims.takeOverExpired(this.identity.id, this.clock.now(), RUN_LEASE_MS, DUE_BATCH)
      : [];
    await this.armTakenOver(taken);
    if (this.groups.size === 0) return;
    const armedIds = this.groups.runIds();
    const held = await this.claims.stillHeld(armedIds, this.identity.id);
    for (const runId of armedIds) if (!held.has(runId) && this.groups.has(runId)) this.groups.forget(runId);
  }
}

function idsOf(runs: TaskRunEntity[], key: 'taskId' | 'scheduleId'): string[] {
  return [...new Set(runs.map((run) => run[key]).filter((id): id is string => id !== null))];
}
