import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { RunOutcome, TaskRunRepository } from '../persistence/task-run.repository';

/** How long final statuses gather before one batch goes to the database. */
export const JOURNAL_FLUSH_MS = 10;
/**
 * Final statuses per statement at most. A whole group's (10,000 at 10,000 fires a second) as one
 * statement held the service's thread for 20–50 ms to build its parameters; in statements of
 * this size the thread is free between them, for the timers of the next group's start.
 */
export const JOURNAL_BATCH = 2_000;

/**
 * Writes runs' final statuses in batches, off the firing path: one statement per batch of up to
 * JOURNAL_BATCH runs. (A run's start is recorded before its handler runs, by the planner or the
 * executor.)
 */
@Injectable()
export class RunJournal implements OnApplicationShutdown {
  private readonly logger = new Logger(RunJournal.name);
  private outcomes = new Map<string, RunOutcome>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly runs: TaskRunRepository) {}

  finished(outcome: RunOutcome): void {
    this.outcomes.set(outcome.id, outcome);
    this.timer ??= setTimeout(() => void this.flush(), JOURNAL_FLUSH_MS);
  }

  /** Resolves once everything recorded so far is written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const outcomes = [...this.outcomes.values()];
    this.outcomes = new Map();
    for (let from = 0; from < outcomes.length; from += JOURNAL_BATCH) {
      const batch = outcomes.slice(from, from + JOURNAL_BATCH);
      this.flushing = this.flushing.then(() => this.write(batch));
    }
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async write(outcomes: RunOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    try {
      await this.runs.finish(outcomes);
    } catch (error) {
      const reason = (error as Error).message;
      if (outcomes.length > 1) {
        // One bad row must not hold back the batch: write them one by one.
        for (const outcome of outcomes) await this.write([outcome]);
      } else if (outcomes[0].result != null) {
        // A result the database refuses is dropped, never the run's final status.
        this.logger.error(`Run ${outcomes[0].id}: result not stored: ${reason}`);
        await this.write([{ ...outcomes[0], result: { unstorable: true } }]);
      } else {
        // The database is unreachable: keep the status for a later batch rather than lose it.
        this.logger.error(`Could not write a run status, retrying: ${reason}`);
        if (!this.outcomes.has(outcomes[0].id)) this.outcomes.set(outcomes[0].id, outcomes[0]);
        this.timer ??= setTimeout(() => void this.flush(), 1000);
      }
    }
  }
}
