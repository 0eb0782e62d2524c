import type { Clock } from '../../common/clock';
import type { ClaimedRun, FireClaim, ScheduleAdvance } from '../../persistence/run-claims.repository';
import type { ScheduleEntity } from '../../persistence/schedule.entity';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import type { RunOutcome } from '../../persistence/task-run.repository';
import type { TaskEntity } from '../../persistence/task.entity';

/**
 * In-memory stand-ins for what the planner reads and writes. They keep simple claim bookkeeping
 * (a fire is claimed once; starts and deletes touch only this instance's pending claims); what
 * the statements do in PostgreSQL is the repository tests' job.
 */

/** The database: schedules, tasks and runs. */
export class Store {
  readonly schedules = new Map<string, ScheduleEntity>();
  readonly tasks = new Map<string, TaskEntity>();
  runs: TaskRunEntity[] = [];
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  insertRun(
    row: Pick<TaskRunEntity, 'taskId' | 'scheduleId' | 'scheduledFor' | 'status'> & Partial<TaskRunEntity>,
  ): TaskRunEntity {
    const run: TaskRunEntity = {
      id: `run-${++this.seq}`,
      trigger: 'schedule',
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      attempt: 1,
      error: null,
      result: null,
      instanceId: null,
      leaseUntil: null,
      createdAt: this.clock.now(),
      chainDepth: 0,
      ...row,
    };
    this.runs.push(run);
    return run;
  }

  runsOf(scheduleId: string): TaskRunEntity[] {
    return this.runs.filter((run) => run.scheduleId === scheduleId);
  }
}

export class FakeScheduleRepository {
  constructor(private readonly store: Store) {}

  // One instance: it owns every schedule, so the backup window does not matter here.
  findDue(
    until: Date,
    _backupUntil: Date,
    _partition: unknown,
    limit: number,
  ): Promise<Array<ScheduleEntity & { owned: boolean }>> {
    return Promise.resolve(
      [...this.store.schedules.values()]
        .filter((s) => s.nextRunAt !== null && !s.paused && s.nextRunAt.getTime() <= until.getTime())
        .sort((a, b) => a.nextRunAt!.getTime() - b.nextRunAt!.getTime())
        .slice(0, limit)
        .map((s) => ({ ...s, owned: true })),
    );
  }

  findByIds(ids: string[]): Promise<ScheduleEntity[]> {
    return Promise.resolve(
      ids.flatMap((id) => (this.store.schedules.has(id) ? [{ ...this.store.schedules.get(id)! }] : [])),
    );
  }
}

export class FakeTaskRepository {
  constructor(private readonly store: Store) {}

  findByIds(ids: string[]): Promise<TaskEntity[]> {
    return Promise.resolve(
      ids.flatMap((id) => (this.store.tasks.has(id) ? [this.store.tasks.get(id)!] : [])),
    );
  }
}

/** The claims' statements as bookkeeping on the store, with knobs for timing and failure. */
export class FakeRunClaims {
  /** Makes the next claim answer this much later (on the fake clock): a pass that takes long. */
  nextClaimDelayMs = 0;
  /** How much later each of the next claims answers, in turn. */
  readonly claimDelaysMs: number[] = [];
  readonly claimCalls: Array<{ claims: FireClaim[]; advances: ScheduleAdvance[] }> = [];
  /** When each claim was sent (fake clock). */
  readonly claimTimes: number[] = [];
  /** The ids of each run-by-run start (non-empty calls only). */
  readonly startCalls: string[][] = [];
  /** The instant of each watermark write, and the deadline it was sent with. */
  readonly watermarkCalls: number[] = [];
  readonly watermarkDeadlines: number[] = [];
  readonly touchCalls: Array<Array<{ scheduleId: string; at: Date }>> = [];
  /** When each takeover was asked for (fake clock), and with what limit. */
  readonly takeOverCalls: number[] = [];
  readonly takeOverLimits: number[] = [];
  /** Answers the watermark write as the database does once its deadline has passed. */
  watermarkTooLate = false;
  /** Claims the next takeover hands to this instance. */
  expired: TaskRunEntity[] = [];
  /**
   * Holds the next claim in flight until `releaseClaim()`: the statement's rows are chosen at once
   * (its snapshot), and committed — made visible to other statements — either at once or only on
   * release.
   */
  holdNextClaim: 'committed' | 'uncommitted' | null = null;
  private held: { rows: TaskRunEntity[]; answer: () => void } | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  takeOverExpired(instanceId: string, now: Date, leaseMs: number, limit: number): Promise<TaskRunEntity[]> {
    this.takeOverCalls.push(now.getTime());
    this.takeOverLimits.push(limit);
    const taken = this.expired;
    this.expired = [];
    for (const run of taken) {
      run.instanceId = instanceId;
      run.leaseUntil = new Date(now.getTime() + leaseMs);
    }
    return Promise.resolve(taken.map((run) => ({ ...run })));
  }

  startIfHeld(ids: string[], instanceId: string, startedAt: Date): Promise<Set<string>> {
    if (ids.length > 0) this.startCalls.push(ids);
    const held = this.heldOf(ids, instanceId);
    for (const run of held) {
      run.status = 'running';
      run.startedAt = startedAt;
    }
    return Promise.resolve(new Set(held.map((run) => run.id)));
  }

  markStartedThrough(_instanceId: string, at: Date, deadline: Date): Promise<boolean> {
    if (this.watermarkTooLate) return Promise.resolve(false);
    this.watermarkCalls.push(at.getTime());
    this.watermarkDeadlines.push(deadline.getTime());
    return Promise.resolve(true);
  }

  touchLastRun(starts: Array<{ scheduleId: string; at: Date }>): Promise<void> {
    this.touchCalls.push(starts);
    for (const { scheduleId, at } of starts) this.touch(scheduleId, at);
    return Promise.resolve();
  }

  stillHeld(ids: string[], instanceId: string): Promise<Set<string>> {
    return Promise.resolve(new Set(this.heldOf(ids, instanceId).map((run) => run.id)));
  }

  get claimInFlight(): boolean {
    return this.held !== null;
  }

  /** Commits the held claim (if not yet) and answers it. */
  releaseClaim(): void {
    const held = this.held!;
    this.held = null;
    for (const row of held.rows) if (!this.store.runs.includes(row)) this.store.runs.push(row);
    held.answer();
  }

  /** Inserts each fire not claimed yet (one run per schedule and instant) and moves the schedules on. */
  claimFires(
    claims: FireClaim[],
    advances: ScheduleAdvance[],
    instanceId: string,
    leaseMs: number,
  ): Promise<ClaimedRun[]> {
    const delayMs = this.claimDelaysMs.shift() ?? this.nextClaimDelayMs;
    this.nextClaimDelayMs = 0;
    this.claimCalls.push({ claims, advances });
    this.claimTimes.push(this.clock.nowMs());
    const before = this.store.runs.length;
    const claimed: ClaimedRun[] = [];
    for (const claim of claims) {
      const schedule = this.store.schedules.get(claim.scheduleId);
      if (!schedule) continue;
      const taken = this.store.runs.some(
        (run) =>
          run.scheduleId === claim.scheduleId && run.scheduledFor.getTime() === claim.scheduledFor.getTime(),
      );
      if (taken) continue;
      const run = this.store.insertRun({
        taskId: schedule.taskId,
        scheduleId: schedule.id,
        scheduledFor: new Date(claim.scheduledFor),
        status: claim.status,
        error: claim.error,
        finishedAt: claim.status === 'missed' ? this.clock.now() : null,
        instanceId,
        startedAt: claim.startAt,
        leaseUntil: claim.startAt ? new Date(claim.startAt.getTime() + leaseMs) : null,
      });
      const task = this.store.tasks.get(run.taskId);
      claimed.push({ ...run, task: task ? { ...task } : null });
    }
    for (const advance of advances) {
      const schedule = this.store.schedules.get(advance.scheduleId);
      if (!schedule) continue;
      schedule.nextRunAt = advance.nextRunAt;
      this.touch(schedule.id, advance.lastRunAt);
    }
    const hold = this.holdNextClaim;
    this.holdNextClaim = null;
    if (hold) {
      const rows = this.store.runs.slice(before);
      if (hold === 'uncommitted') this.store.runs.length = before;
      return new Promise((resolve) => (this.held = { rows, answer: () => resolve(claimed) }));
    }
    return delayMs > 0
      ? new Promise((resolve) => setTimeout(() => resolve(claimed), delayMs))
      : Promise.resolve(claimed);
  }

  deleteClaims(ids: string[], instanceId: string): Promise<void> {
    const gone = new Set(this.heldOf(ids, instanceId));
    this.store.runs = this.store.runs.filter((run) => !gone.has(run));
    return Promise.resolve();
  }

  deletePendingOf(scheduleId: string): Promise<void> {
    this.store.runs = this.store.runs.filter(
      (run) => !(run.scheduleId === scheduleId && run.status === 'pending'),
    );
    return Promise.resolve();
  }

  /** This instance's pending claims among `ids`. */
  private heldOf(ids: string[], instanceId: string): TaskRunEntity[] {
    return this.store.runs.filter(
      (run) => ids.includes(run.id) && run.status === 'pending' && run.instanceId === instanceId,
    );
  }

  private touch(scheduleId: string, at: Date | null): void {
    const schedule = this.store.schedules.get(scheduleId);
    if (schedule && at && (schedule.lastRunAt === null || schedule.lastRunAt < at)) schedule.lastRunAt = at;
  }
}

export class FakeJournal {
  readonly outcomes: RunOutcome[] = [];

  finished(outcome: RunOutcome): void {
    this.outcomes.push(outcome);
  }
}

/** What the planner reads of DatabaseState: whether the database is up, and since how long. */
export class FakeDatabaseState {
  reachable = true;
  /** How long the database has been reachable without a break. */
  reachableForMs = Infinity;

  reachableFor(ms: number): boolean {
    return this.reachable && this.reachableForMs >= ms;
  }

  report(): boolean {
    return false;
  }
}
