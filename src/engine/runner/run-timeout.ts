import { abortRun, type ActiveRun } from './run-context';

class RunTimeout extends Error {}

/**
 * Ends the run `timed_out` once its timeout has passed since it started, aborting the handler's
 * signal. Not a named FireTimers timer: the timeout is cleared when the run completes. A timer
 * may wake a millisecond before the clock says the time is up: it then waits out the rest, so a
 * timed-out run's duration is never shorter than its timeout.
 */
export function armTimeout(active: ActiveRun, nowMs: () => number): void {
  const timeoutMs = active.timeoutMs!;
  const bySetting = active.fire.policy.timeoutMs === null ? ' (SCHEDULER_DEFAULT_TIMEOUT_SECONDS)' : '';
  const endsAtMs = active.startedAt.getTime() + timeoutMs;
  const expire = () => {
    const left = endsAtMs - nowMs();
    if (left > 0) {
      active.timeout = setTimeout(expire, left);
      return;
    }
    abortRun(active, new RunTimeout(`timed out after ${timeoutMs} ms`));
    active.settle('timed_out', `timed out after ${timeoutMs / 1000}s${bySetting}`, null);
  };
  active.timeout = setTimeout(expire, Math.max(0, endsAtMs - nowMs()));
}
