import { Trigger } from './trigger';

/**
 * Limits another trigger to `[startAt, endAt]`: nothing fires before `startAt`, and the series
 * ends (null) after `endAt`.
 */
export class BoundedTrigger implements Trigger {
  constructor(
    private readonly inner: Trigger,
    readonly startAt: Date | null,
    readonly endAt: Date | null,
  ) {}

  get type() {
    return this.inner.type;
  }

  nextFireTime(previous: Date | null, now: Date): Date | null {
    let next = this.inner.nextFireTime(previous, now);
    if (next && this.startAt && next < this.startAt) {
      // Ask for the first fire at or after startAt.
      next = this.inner.nextFireTime(new Date(this.startAt.getTime() - 1), now);
    }
    if (next && this.endAt && next > this.endAt) return null;
    return next;
  }

  latestFireTimeAtOrBefore(instant: Date): Date | null {
    const bounded = this.endAt && this.endAt < instant ? this.endAt : instant;
    const latest = this.inner.latestFireTimeAtOrBefore(bounded);
    return latest && this.startAt && latest < this.startAt ? null : latest;
  }

  describe(): string {
    const parts = [this.inner.describe()];
    if (this.startAt) parts.push(`from ${this.startAt.toISOString()}`);
    if (this.endAt) parts.push(`until ${this.endAt.toISOString()}`);
    return parts.join(', ');
  }
}
