import { Injectable } from '@nestjs/common';

/**
 * The scheduler's one source of "now". Everything that plans or measures asks it, so tests can
 * run on jest's fake timers and an instance can be given a corrected (or, in tests, skewed) clock.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Shifts this clock by `offsetMs` against the host's (used to agree with the database clock). */
  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
}
