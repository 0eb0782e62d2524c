import { Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { DatabaseState } from '../../persistence/database-state.service';
import { RunOutcome, TaskRunRepository } from '../../persistence/task-run.repository';

/** How long final statuses gather before one batch goes to the database. */
export const JOURNAL_FLUSH_MS = 10;
/**
 * Final statuses per statement at most. Building one statement for a whole group of thousands
 * holds the service's thread too long; between statements of this size it is free for the
 * timers of the next group's start.
 */
export const JOURNAL_BATCH = 2_000;
/**
 * Final statuses kept in memory while the database is unreachable. Past it the oldest are
 * dropped (logged): their runs stay open in the database until this instance's recovery marks
 * them `interrupted`, so each still ends with one final status.
 */
export const JOURNAL_MAX_WAITING = 100_000;
/** A write that failed for want of a database is tried again after this, doubling up to RETRY_MAX_MS. */
export const JOURNAL_RETRY_FIRST_MS = 250;
export const JOURNAL_RETRY_MAX_MS = 5_000;

/**
 * Writes runs' final statuses in batches, off the firing path: one statement per batch of up to
 * JOURNAL_BATCH runs. (A run's start is recorded before its handler runs, by the planner or the
 * executor.) While the database is unreachable the statuses wait here, bounded, and go out
 * whole when it is back.
 */
@Injectable()
export class RunJournal implements OnApplicationShutdown {
  private readonly logger = new Logger(RunJournal.name);
  private outcomes = new Map<string, RunOutcome>();
  /** Outcomes of the batches being written (they are out of `outcomes` meanwhile). */
  private readonly writing = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private retryMs = JOURNAL_RETRY_FIRST_MS;
  private dropped = 0;

  constructor(
    private readonly runs: TaskRunRepository,
    @Optional() private readonly database?: DatabaseState,
  ) {
    database?.onRestored(() => void this.flush());
  }

  /** Final statuses not written yet. */
  get waiting(): number {
    return this.outcomes.size + this.writing.size;
  }

  /** Whether this run's final status is here, waiting to be written. */
  holds(runId: string): boolean {
    return this.outcomes.has(runId) || this.writing.has(runId);
  }

  finished(outcome: RunOutcome): void {
    this.keep(outcome);
    this.timer ??= setTimeout(() => void this.flush(), JOURNAL_FLUSH_MS);
  }

  /** Resolves once everything recorded so far is written (or put back to wait for the database). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const outcomes = [...this.outcomes.values()];
    this.outcomes = new Map();
    for (let from = 0; from < outcomes.length; from += JOURNAL_BATCH) {
      const batch = outcomes.slice(from, from + JOURNAL_BATCH);
      for (const outcome of batch) this.writing.add(outcome.id);
      this.flushing = this.flushing.then(() => this.writeBatch(batch));
    }
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private keep(outcome: RunOutcome): void {
    this.outcomes.set(outcome.id, outcome);
    if (this.outcomes.size + this.writing.size <= JOURNAL_MAX_WAITING) return;
    const oldest = this.outcomes.keys().next().value as string;
    this.outcomes.delete(oldest);
    if (this.dropped++ === 0)
      this.logger.error(
        `More than ${JOURNAL_MAX_WAITING} final statuses wait for the database: dropping the oldest (their runs will read interrupted)`,
      );
  }

  private async writeBatch(outcomes: RunOutcome[]): Promise<void> {
    try {
      await this.write(outcomes);
    } finally {
      for (const outcome of outcomes) this.writing.delete(outcome.id);
    }
  }

  private async write(outcomes: RunOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    try {
      await this.runs.finish(outcomes);
      this.retryMs = JOURNAL_RETRY_FIRST_MS;
      if (this.dropped > 0) {
        this.logger.warn(`${this.dropped} final status(es) were dropped while the database was away`);
        this.dropped = 0;
      }
    } catch (error) {
      if (this.database?.report(error)) {
        // The database is away: the whole batch waits and is tried again, backing off.
        for (const outcome of outcomes) {
          this.writing.delete(outcome.id);
          if (!this.outcomes.has(outcome.id)) this.keep(outcome);
        }
        this.retryLater();
        return;
      }
      const reason = (error as Error).message;
      if (outcomes.length > 1) {
        // One bad row must not hold back the batch: write them one by one.
        for (const outcome of outcomes) await this.write([outcome]);
      } else if (outcomes[0].result != null) {
        // A result the database refuses is dropped, never the run's final status.
        this.logger.error(`Run ${outcomes[0].id}: result not stored: ${reason}`);
        await this.write([{ ...outcomes[0], result: { unstorable: true } }]);
      } else {
        this.logger.error(`Could not write a run status, retrying: ${reason}`);
        if (!this.outcomes.has(outcomes[0].id)) this.keep(outcomes[0]);
        this.retryLater();
      }
    }
  }

  private retryLater(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, JOURNAL_RETRY_MAX_MS);
  }
}
