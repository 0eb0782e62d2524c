/**
 * The scheduler's one source of "now". Everything that plans or measures asks it, so tests can
 * run on jest's fake timers, and instances agree on time: the offset is measured against the
 * database clock, which every instance shares.
 */
export class Clock {
  private offsetMs = 0;

  /** `skewMs` simulates a host clock that is off (tests only); the database offset corrects it. */
  constructor(private readonly skewMs = 0) {}

  nowMs(): number {
    return Date.now() + this.skewMs + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** What this host's clock says (with its skew), before correction. */
  hostNowMs(): number {
    return Date.now() + this.skewMs;
  }

  get correctionMs(): number {
    return this.offsetMs;
  }

  /** Corrects this clock by `offsetMs` (database time − host time). */
  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
}
