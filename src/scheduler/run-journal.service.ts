import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { RunOutcome, RunStart, TaskRunRepository } from '../persistence/task-run.repository';
import { InstanceIdentity } from './instance-identity';

/** How long status writes gather before one batch goes to the database. */
export const JOURNAL_FLUSH_MS = 10;

/**
 * Writes run status changes in batches, off the firing path: handlers start from memory and
 * their `running` and final statuses follow in one statement per batch. A final status that
 * overtakes its `running` write simply replaces it.
 */
@Injectable()
export class RunJournal implements OnApplicationShutdown {
  private readonly logger = new Logger(RunJournal.name);
  private starts = new Map<string, RunStart>();
  private outcomes = new Map<string, RunOutcome>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly runs: TaskRunRepository,
    private readonly identity: InstanceIdentity,
  ) {}

  started(start: RunStart): void {
    this.starts.set(start.id, start);
    this.schedule();
  }

  finished(outcome: RunOutcome): void {
    this.starts.delete(outcome.id);
    this.outcomes.set(outcome.id, outcome);
    this.schedule();
  }

  /** Resolves once everything recorded so far is written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const starts = [...this.starts.values()];
    const outcomes = [...this.outcomes.values()];
    this.starts = new Map();
    this.outcomes = new Map();
    this.flushing = this.flushing.then(() => this.write(starts, outcomes));
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => void this.flush(), JOURNAL_FLUSH_MS);
  }

  private async write(starts: RunStart[], outcomes: RunOutcome[]): Promise<void> {
    try {
      await this.runs.markStarted(starts, this.identity.id);
      await this.runs.finish(outcomes);
    } catch (error) {
      const reason = (error as Error).message;
      if (starts.length + outcomes.length > 1) {
        // One bad row must not hold back the batch: write them one by one.
        for (const start of starts) await this.write([start], []);
        for (const outcome of outcomes) await this.write([], [outcome]);
      } else if (outcomes[0]?.result != null) {
        // A result the database refuses is dropped, never the run's final status.
        this.logger.error(`Run ${outcomes[0].id}: result not stored: ${reason}`);
        await this.write([], [{ ...outcomes[0], result: { unstorable: true } }]);
      } else {
        // The database is unreachable: keep the status for a later batch rather than lose it.
        this.logger.error(`Could not write a run status, retrying: ${reason}`);
        for (const start of starts) if (!this.outcomes.has(start.id)) this.starts.set(start.id, start);
        for (const outcome of outcomes) {
          if (!this.outcomes.has(outcome.id)) this.outcomes.set(outcome.id, outcome);
        }
        this.timer ??= setTimeout(() => void this.flush(), 1000);
      }
    }
  }
}
