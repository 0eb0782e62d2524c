import { formatDuration } from './duration';
import { Trigger } from './trigger';

/**
 * `every <duration>`: fires at `firstFire + k·period`, k ≥ 0. The phase is fixed by
 * `firstFire` (one period after scheduling, or `startAt`), so a restart or a late fire never
 * drifts the series: the next fire is always on the grid.
 */
export class IntervalTrigger implements Trigger {
  readonly type = 'interval' as const;

  constructor(
    readonly periodMs: number,
    readonly firstFire: Date,
  ) {}

  nextFireTime(previous: Date | null): Date | null {
    if (previous === null) return this.firstFire;
    const first = this.firstFire.getTime();
    if (previous.getTime() < first) return this.firstFire;
    const steps = Math.floor((previous.getTime() - first) / this.periodMs) + 1;
    return new Date(first + steps * this.periodMs);
  }

  latestFireTimeAtOrBefore(instant: Date): Date | null {
    const first = this.firstFire.getTime();
    if (instant.getTime() < first) return null;
    return new Date(first + Math.floor((instant.getTime() - first) / this.periodMs) * this.periodMs);
  }

  describe(): string {
    const text = formatDuration(this.periodMs);
    return `Every ${text.replace(/^1 (second|minute|hour|day|week)$/, '$1')}`;
  }
}
