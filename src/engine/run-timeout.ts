import { abortRun, type ActiveRun } from './run-context';

class RunTimeout extends Error {}

/**
 * Ends the run `timed_out` once its timeout has passed since it started, aborting the handler's
 * signal. Not a named FireTimers timer: the timeout is cleared when the run completes.
 */
export function armTimeout(active: ActiveRun, nowMs: number): void {
  const timeoutMs = active.timeoutMs!;
  const bySetting = active.fire.policy.timeoutMs === null ? ' (SCHEDULER_DEFAULT_TIMEOUT_SECONDS)' : '';
  const elapsedMs = nowMs - active.startedAt.getTime();
  active.timeout = setTimeout(
    () => {
      abortRun(active, new RunTimeout(`timed out after ${timeoutMs} ms`));
      active.settle('timed_out', `timed out after ${timeoutMs / 1000}s${bySetting}`, null);
    },
    Math.max(0, timeoutMs - elapsedMs),
  );
}
