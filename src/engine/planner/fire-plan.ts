import type { Trigger } from '../../triggers/trigger';
import type { MisfirePolicy } from '../../domain/policies';

/**
 * An instant already this far in the past when it is planned is a misfire. Fires are claimed a
 * second or more ahead, so in normal running no instant is ever past when planned: only
 * downtime or a stalled process make one, and then the misfire policy decides (so a restart
 * makes exactly one `run_once` catch-up, not a catch-up plus a late regular fire).
 */
export const MISFIRE_THRESHOLD_MS = 0;
/** At most this many missed instants are caught up (`run_all`) or recorded (`missed`) at once. */
export const MAX_CATCH_UP = 100;

export interface PlannedFire {
  scheduledFor: Date;
  status: 'pending' | 'missed';
  error: string | null;
}

export interface FirePlan {
  fires: PlannedFire[];
  /** The first instant after the planning window; null when the trigger is finished. */
  nextRunAt: Date | null;
  /** True when more instants were missed than `MAX_CATCH_UP` (the oldest are not recorded). */
  truncated: boolean;
}

export interface MisfireRule {
  policy: MisfirePolicy;
  graceSeconds: number;
}

/**
 * Splits instants that were missed (oldest first) into those that run and those recorded as
 * `missed`, by the misfire policy: `run_once` runs the latest if within the grace period,
 * `run_all` runs them all, `skip` runs none. `latestMayRun` false: a later instant than these
 * is `run_once`'s catch-up, so none of these runs.
 */
export function applyMisfirePolicy(
  missed: Date[],
  rule: MisfireRule,
  now: Date,
  latestMayRun = true,
): PlannedFire[] {
  const latest = latestMayRun ? missed[missed.length - 1] : undefined;
  const runs = (instant: Date) => {
    switch (rule.policy) {
      case 'run_all':
        return true;
      case 'skip':
        return false;
      default:
        return instant === latest && now.getTime() - instant.getTime() <= rule.graceSeconds * 1000;
    }
  };
  return missed.map((instant) =>
    runs(instant)
      ? { scheduledFor: instant, status: 'pending', error: null }
      : {
          scheduledFor: instant,
          status: 'missed',
          error: `missed: planned for ${instant.toISOString()} while no instance could run it (misfire policy ${rule.policy}, grace ${rule.graceSeconds}s)`,
        },
  );
}

/**
 * Plans a timed schedule's fires from its stored `nextRunAt` up to `until`: instants already
 * well past are misfires handled by the policy (the latest `MAX_CATCH_UP` of them, found by
 * walking back from now so a year of downtime costs 100 steps, not millions); the rest are
 * claimed to run on time. Pure: the caller supplies `now`.
 */
export function planFires(
  trigger: Trigger,
  nextRunAt: Date,
  rule: MisfireRule,
  now: Date,
  until: Date,
): FirePlan {
  const lateBefore = now.getTime() - MISFIRE_THRESHOLD_MS;
  const fires: PlannedFire[] = [];
  let truncated = false;
  let cursor: Date | null = nextRunAt;

  if (cursor.getTime() < lateBefore) {
    const missed: Date[] = [];
    let back = trigger.latestFireTimeAtOrBefore(new Date(lateBefore - 1));
    while (back && back.getTime() >= nextRunAt.getTime() && missed.length < MAX_CATCH_UP) {
      missed.unshift(back);
      back = trigger.latestFireTimeAtOrBefore(new Date(back.getTime() - 1));
    }
    truncated = back !== null && back.getTime() >= nextRunAt.getTime();
    fires.push(...applyMisfirePolicy(missed, rule, now));
    cursor = missed.length > 0 ? trigger.nextFireTime(missed[missed.length - 1], now) : cursor;
    while (cursor && cursor.getTime() < lateBefore) cursor = trigger.nextFireTime(cursor, now);
  }

  while (cursor && cursor.getTime() <= until.getTime()) {
    fires.push({ scheduledFor: cursor, status: 'pending', error: null });
    cursor = trigger.nextFireTime(cursor, now);
  }
  return { fires, nextRunAt: cursor, truncated };
}
