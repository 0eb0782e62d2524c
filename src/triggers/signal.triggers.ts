import { SignalTrigger } from './trigger';

/** `on:<event>`: fires whenever the named event is published; never on the clock. */
export class EventTrigger implements SignalTrigger {
  readonly type = 'event' as const;

  constructor(readonly signal: string) {}

  nextFireTime(): null {
    return null;
  }

  latestFireTimeAtOrBefore(): null {
    return null;
  }

  describe(): string {
    return `On event "${this.signal}"`;
  }
}

/** `after:<taskId>`: fires whenever a run of the parent task finishes successfully. */
export class ChainTrigger implements SignalTrigger {
  readonly type = 'chain' as const;

  constructor(readonly signal: string) {}

  nextFireTime(): null {
    return null;
  }

  latestFireTimeAtOrBefore(): null {
    return null;
  }

  describe(): string {
    return `After each successful run of task ${this.signal}`;
  }
}
