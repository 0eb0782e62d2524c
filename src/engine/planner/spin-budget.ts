/**
 * How much CPU the planner may spend waiting on the CPU for instants. Spinning the last few
 * milliseconds makes a group start on its millisecond, but fires spread over many distinct
 * instants (one-shots, jitter) would turn it into a busy loop; past the budget of a window the
 * planner waits by timer alone (a millisecond or two less precise) until the next window.
 */
export class SpinBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private spentMs = 0;

  constructor(
    private readonly budgetMs: number,
    private readonly windowMs: number,
  ) {}

  /** Whether a spin may start at `nowMs`. */
  allows(nowMs: number): boolean {
    if (nowMs - this.windowStart >= this.windowMs) {
      this.windowStart = nowMs;
      this.spentMs = 0;
    }
    return this.spentMs < this.budgetMs;
  }

  spent(ms: number): void {
    this.spentMs += Math.max(0, ms);
  }
}
