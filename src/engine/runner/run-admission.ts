import type { SchedulerOptions } from '../../config/scheduler-options';
import type { RunOutcomes } from './run-outcomes';
import type { Fire } from './run-policy';

/**
 * Decides when a fire may start: the per-schedule overlap policy (skip, queue or allow) and the
 * per-instance concurrency cap, under which waiting fires start in order. Owned by `RunExecutor`,
 * which starts what this admits and tells it when a run starts and ends.
 */
export class RunAdmission {
  /** Fires whose start is being recorded; they hold a slot meanwhile. */
  confirming = 0;
  private closed = false;
  private readonly activeBySchedule = new Map<string, number>();
  private readonly queuedBySchedule = new Map<string, Fire[]>();
  private readonly waiting: Fire[] = [];

  /**
   * `running`: the runs holding a slot; `start`: starts an admitted fire. Given once, so an
   * admission allocates nothing.
   */
  constructor(
    private readonly options: Pick<SchedulerOptions, 'maxConcurrentRuns'>,
    private readonly running: ReadonlyMap<string, unknown>,
    private readonly outcomes: RunOutcomes,
    private readonly start: (fire: Fire) => void,
  ) {}

  /** False once the shutdown began: nothing is admitted any more. */
  get accepting(): boolean {
    return !this.closed;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Whether this run waits here for a slot or for its schedule's previous run. */
  holds(runId: string): boolean {
    if (this.waiting.some((fire) => fire.run.id === runId)) return true;
    for (const queued of this.queuedBySchedule.values())
      if (queued.some((fire) => fire.run.id === runId)) return true;
    return false;
  }

  /** Starts the fire now, queues it behind its schedule's run, makes it wait for a slot, or skips it. */
  admit(fire: Fire): void {
    const scheduleId = fire.run.scheduleId;
    if (scheduleId && fire.policy.overlap !== 'allow' && (this.activeBySchedule.get(scheduleId) ?? 0) > 0) {
      if (fire.policy.overlap === 'queue') {
        this.queuedBySchedule.set(scheduleId, [...(this.queuedBySchedule.get(scheduleId) ?? []), fire]);
      } else {
        this.outcomes.notStarted(
          fire.run,
          'skipped',
          'skipped: the previous run of this schedule was still running',
        );
      }
      return;
    }
    this.takeSlot(fire);
  }

  /** A run of `scheduleId` started: the schedule is busy until its `release`. */
  started(scheduleId: string | null): void {
    if (scheduleId) this.activeBySchedule.set(scheduleId, (this.activeBySchedule.get(scheduleId) ?? 0) + 1);
  }

  /** Frees the run's slot: the schedule's queued fire goes first, then the oldest waiting fire. */
  release(scheduleId: string | null): void {
    if (scheduleId) {
      const remaining = (this.activeBySchedule.get(scheduleId) ?? 1) - 1;
      if (remaining > 0) this.activeBySchedule.set(scheduleId, remaining);
      else this.activeBySchedule.delete(scheduleId);
      const queued = this.queuedBySchedule.get(scheduleId);
      const next = queued?.shift();
      if (queued && queued.length === 0) this.queuedBySchedule.delete(scheduleId);
      if (next && !this.closed) this.takeSlot(next);
    }
    while (
      !this.closed &&
      this.waiting.length > 0 &&
      this.running.size + this.confirming < this.options.maxConcurrentRuns
    ) {
      // Re-checks the overlap policy: the schedule's previous fire may have started meanwhile.
      this.admit(this.waiting.shift()!);
    }
  }

  /** Admits nothing from now on; returns the fires that hold no slot yet (waiting or queued). */
  close(): Fire[] {
    this.closed = true;
    const unstarted = [...this.waiting, ...[...this.queuedBySchedule.values()].flat()];
    this.waiting.length = 0;
    this.queuedBySchedule.clear();
    return unstarted;
  }

  private takeSlot(fire: Fire): void {
    if (this.running.size + this.confirming >= this.options.maxConcurrentRuns) {
      this.waiting.push(fire);
      return;
    }
    this.start(fire);
  }
}
