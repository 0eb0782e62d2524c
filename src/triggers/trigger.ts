export const TRIGGER_TYPES = ['cron', 'interval', 'once', 'event', 'chain'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/**
 * A trigger answers one question: when is the next fire? It is pure — no clock reads, no I/O —
 * so that the runner can be tested with a fake clock and every answer is reproducible.
 */
export interface Trigger {
  readonly type: TriggerType;

  /**
   * The first planned instant strictly after `previous`; when the schedule never fired
   * (`previous` null), the first planned instant after `now` (cron), or the instant fixed when
   * the schedule was made (interval phase, `at:`, `in:`), even if that lies before `now` — the
   * runner then treats it as a misfire. `null`: no more fires.
   */
  nextFireTime(previous: Date | null, now: Date): Date | null;

  /** The latest planned instant at or before `instant`, or null; used to catch up after downtime. */
  latestFireTimeAtOrBefore(instant: Date): Date | null;

  /** Human-readable, e.g. "At 02:30 every day", "Every 30 minutes". */
  describe(): string;
}

/** Triggers that fire on a signal rather than a clock: an event name or a parent task's success. */
export interface SignalTrigger extends Trigger {
  readonly type: 'event' | 'chain';
  /** The key the runner looks schedules up by: the event name, or the parent task id. */
  readonly signal: string;
}

export function isSignalTrigger(trigger: Trigger): trigger is SignalTrigger {
  return trigger.type === 'event' || trigger.type === 'chain';
}
