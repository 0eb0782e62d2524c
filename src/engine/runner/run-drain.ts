import type { Logger } from '@nestjs/common';
import type { Clock } from '../../common/clock';
import type { RunAdmission } from './run-admission';
import { abortRun, type ActiveRun } from './run-context';

/** While shutting down, how often the log says which runs are still awaited. */
export const DRAIN_REPORT_MS = 2_000;
const DRAIN_REPORT_NAMES = 5;

/** What the shutdown waits for: the running runs, and the fires whose start is being recorded. */
export interface DrainedRuns {
  readonly active: ReadonlyMap<string, ActiveRun>;
  readonly admission: Pick<RunAdmission, 'confirming'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Waits for the running runs up to `graceMs`, or until `cutShort` resolves (a second signal),
 * saying every DRAIN_REPORT_MS what it waits for; then interrupts the rest.
 */
export async function drainRuns(
  { active, admission, clock, logger }: DrainedRuns,
  graceMs: number,
  cutShort?: Promise<unknown>,
): Promise<void> {
  let endedEarly = false;
  void cutShort?.then(() => (endedEarly = true));
  const deadline = clock.nowMs() + graceMs;
  let reportAt = clock.nowMs();
  // Runs whose start is being recorded (`confirming`) are waited for too: they end `interrupted`.
  while ((active.size > 0 || admission.confirming > 0) && !endedEarly && clock.nowMs() < deadline) {
    if (clock.nowMs() >= reportAt && active.size > 0) {
      reportWaiting(active, clock, logger, deadline);
      reportAt += DRAIN_REPORT_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // A run whose handler already returned is not cut: its completion is only waiting for its
  // turn (RunExecutor settles it before the journal's last flush).
  const going = [...active.values()].filter((run) => !run.returned);
  if (going.length > 0) {
    logger.warn(
      `${endedEarly ? 'Not waiting any longer' : 'Shutdown grace period over'}: interrupting ${going.length} run(s)`,
    );
  }
  for (const run of going) {
    abortRun(run, new Error('the service shut down'));
    run.settle('interrupted', 'interrupted: the service shut down before the run finished', null);
  }
}

/** `waiting for 3 running run(s): digest, report, sync, 7 s left` (at most five names). */
function reportWaiting(
  active: ReadonlyMap<string, ActiveRun>,
  clock: Clock,
  logger: Logger,
  deadline: number,
): void {
  const names = [...active.values()].map(({ fire }) => fire.task.name);
  const shown =
    names.slice(0, DRAIN_REPORT_NAMES).join(', ') + (names.length > DRAIN_REPORT_NAMES ? ', …' : '');
  const left = Math.max(0, Math.ceil((deadline - clock.nowMs()) / 1000));
  logger.log(`waiting for ${names.length} running run(s): ${shown}, ${left} s left`);
}
