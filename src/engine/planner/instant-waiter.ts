import type { Clock } from '../../common/clock';
import { TICK_MS } from './planner-timing';
import { SpinBudget } from './spin-budget';

/**
 * The last stretch before an instant that is waited on the CPU rather than by a timer: a timer
 * delayed by other work (a GC scavenge at thousands of runs a second) still lands inside it.
 */
const SPIN_MS = 5;
/** Clock reads in a spin: well over SPIN_MS on a real clock. */
const SPIN_LIMIT = 400_000;
/** At most this much spinning per second (2 % of a core), however many distinct instants fire. */
const SPIN_BUDGET_MS = 20;

/** Waits for a group's instant to the millisecond. */
export class InstantWaiter {
  private readonly spinBudget = new SpinBudget(SPIN_BUDGET_MS, TICK_MS);

  constructor(private readonly clock: Clock) {}

  /**
   * A timer wakes up to a millisecond or two late, so it is set for just before the instant and
   * the last stretch is waited on the CPU (at most SPIN_MS per group, SPIN_BUDGET_MS a second).
   * The spin is bounded: a clock that does not move (fake timers) falls back to a timer.
   */
  async waitUntil(atMs: number): Promise<void> {
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
}
