import { forEachInSlices } from '../../common/time-slices';
import type { ActiveRun } from './run-context';
import type { RunOutcomes } from './run-outcomes';
import { boundResult } from './run-result';

/**
 * How many `task_started` are announced before the event loop turns. Between slices Socket.IO
 * writes the slice to the clients, so a client decodes the first events of a group of 1,000
 * while the last are still being sent (a slice costs about 0.1 ms, its delivery 0.3–1 ms).
 */
export const ANNOUNCE_SLICE = 100;

const giveWay = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A run whose handler returned a plain value, waiting for its completion to be processed. */
interface ReturnedRun {
  active: ActiveRun;
  result: unknown;
  returnedAtMs: number;
}

/**
 * The bookkeeping `RunExecutor` leaves for after a turn's starts: the runs' `task_started`, sent
 * in slices once the last start is made (so announcing delays no start), and the completions of
 * runs whose handler returned a plain value, processed after those announcements, in slices too.
 */
export class RunAnnouncements {
  /** Runs started in this turn whose `task_started` is not out yet (sent after the starts, in slices). */
  private startedUnannounced: ActiveRun[] = [];
  /**
   * Runs whose handler returned a plain value (no promise): settled after the starts are
   * announced, in slices — two promises fewer per run than settling each through `then`.
   */
  private returnedUnsettled: ReturnedRun[] = [];
  /** Returned runs not settled yet, by run id: a shutdown settles them before the journal's last flush. */
  private readonly returnedPending = new Map<string, ReturnedRun>();

  /** `releaseSlot`: the executor's, given back for each returned run before any announcement. */
  constructor(
    private readonly outcomes: Pick<RunOutcomes, 'started'>,
    private readonly releaseSlot: (active: ActiveRun) => void,
  ) {}

  /**
   * A run just started. A whole group of fires starts in one turn: their events go out after the
   * last start, so announcing them delays no start. A run that ends before its turn in the
   * announcement announces itself first (`announce`): a client never sees its end before its start.
   */
  started(active: ActiveRun): void {
    this.startedUnannounced.push(active);
    if (this.startedUnannounced.length === 1) void Promise.resolve().then(() => this.announceStarted());
  }

  /** A run whose handler returned `result` (no promise) at `returnedAtMs`: settled after the announcements. */
  returned(active: ActiveRun, result: unknown, returnedAtMs: number): void {
    const returned = { active, result, returnedAtMs };
    active.returned = true;
    this.returnedUnsettled.push(returned);
    this.returnedPending.set(active.fire.run.id, returned);
  }

  /** Sends the run's `task_started`, unless it went out already (once per run). */
  announce(active: ActiveRun): void {
    if (active.announced) return;
    active.announced = true;
    this.outcomes.started(active.fire.run, active.startedAt);
  }

  /** The run settled: a shutdown no longer has its completion to process. */
  forget(runId: string): void {
    this.returnedPending.delete(runId);
  }

  /**
   * Runs whose handler returned but whose completion a slice has not processed yet end now as
   * they ended, not `interrupted` (a shutdown, before the journal's last flush).
   */
  settleReturned(): void {
    for (const returned of [...this.returnedPending.values()]) this.settle(returned);
  }

  /**
   * Gives the slots of the runs that returned back, then sends the turn's `task_started` in
   * slices of ANNOUNCE_SLICE (each slice reaches the clients while the next is prepared),
   * then processes the returned runs' completions in slices: a group of 10,000 completions in
   * one piece held the thread for tens of milliseconds, and every API request behind it. Each run
   * still ends when its handler returned.
   */
  private async announceStarted(): Promise<void> {
    const started = this.startedUnannounced;
    this.startedUnannounced = [];
    const returned = this.returnedUnsettled;
    this.returnedUnsettled = [];
    // Before any slice: the next group's fires must not wait behind this group's bookkeeping.
    for (const { active } of returned) this.releaseSlot(active);
    for (let from = 0; from < started.length; from += ANNOUNCE_SLICE) {
      if (from > 0) await giveWay();
      for (let index = from; index < Math.min(from + ANNOUNCE_SLICE, started.length); index++)
        this.announce(started[index]);
    }
    if (returned.length === 0) return;
    // One turn of the event loop first: the last slice's events are written to the clients
    // before the thread spends a slice on completions.
    await giveWay();
    await forEachInSlices(returned, (run) => this.settle(run));
  }

  private settle({ active, result, returnedAtMs }: ReturnedRun): void {
    this.returnedPending.delete(active.fire.run.id);
    active.settle('succeeded', null, boundResult(result), returnedAtMs);
  }
}
