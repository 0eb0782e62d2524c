import { DateTime } from 'luxon';
import { Trigger } from './trigger';

/** `at:<ISO>` and `in:<duration>`: a single fire at an instant fixed when the schedule was made. */
export class OnceTrigger implements Trigger {
  readonly type = 'once' as const;

  constructor(
    readonly at: Date,
    readonly timezone: string,
  ) {}

  nextFireTime(previous: Date | null): Date | null {
    return previous === null ? this.at : null;
  }

  latestFireTimeAtOrBefore(instant: Date): Date | null {
    return this.at.getTime() <= instant.getTime() ? this.at : null;
  }

  describe(): string {
    const local = DateTime.fromJSDate(this.at, { zone: this.timezone });
    const format = local.second === 0 && local.millisecond === 0 ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd HH:mm:ss';
    return `Once at ${local.toFormat(format)} ${this.timezone}`;
  }
}
