import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { RunStatus } from '../../domain/run-status';
import { SchedulerEventEmitter } from '../../events/scheduler-event.emitter';
import type { TaskErrorEvent } from '../../events/event-payloads';
import { RunJournal } from './run-journal.service';

/** A final status other than success: what `task_error` reports. */
export type ErrorStatus = TaskErrorEvent['status'];

/** The run fields an outcome's record and event need. */
export interface OutcomeRun {
  id: string;
  taskId: string;
}

/** A run whose final status a statement has already stored (claimed as missed, interrupted). */
export interface RecordedOutcome extends OutcomeRun {
  status: RunStatus;
  error: string | null;
  finishedAt: Date | null;
}

function taskErrorEvent(
  run: OutcomeRun,
  status: ErrorStatus,
  error: string | null,
  finishedAt: Date,
): TaskErrorEvent {
  return { taskId: run.taskId, runId: run.id, status, error, finishedAt: finishedAt.toISOString() };
}

/**
 * The one place a run's outcome is recorded and told: each final status goes to the journal (or
 * was stored by the statement that decided it) and out as its lifecycle event, with one payload
 * shape per event. The engine's parts report here and never emit events themselves.
 */
@Injectable()
export class RunOutcomes {
  constructor(
    private readonly journal: RunJournal,
    private readonly events: SchedulerEventEmitter,
    private readonly clock: Clock,
  ) {}

  started(run: OutcomeRun & { scheduledFor: Date }, startedAt: Date): void {
    this.events.emit('task_started', {
      taskId: run.taskId,
      runId: run.id,
      scheduledFor: run.scheduledFor.toISOString(),
      startedAt: startedAt.toISOString(),
    });
  }

  /** A run that ran: its handler's outcome, written behind and told at once. */
  ran(
    run: OutcomeRun,
    outcome: {
      status: 'succeeded' | Exclude<ErrorStatus, 'skipped' | 'missed'>;
      error: string | null;
      result: unknown;
    },
    startedAt: Date,
    finishedAt: Date,
  ): void {
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    const { status, error, result } = outcome;
    this.journal.finished({ id: run.id, status, startedAt, finishedAt, durationMs, error, result });
    if (status === 'succeeded') {
      this.events.emit('task_finished', {
        taskId: run.taskId,
        runId: run.id,
        status,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs,
        result,
      });
    } else {
      this.events.emit('task_error', taskErrorEvent(run, status, error, finishedAt));
    }
  }

  /** A fire that never started (skipped, missed, no handler, cut by a shutdown). */
  notStarted(run: OutcomeRun, status: ErrorStatus, error: string): void {
    const finishedAt = this.clock.now();
    this.journal.finished({
      id: run.id,
      status,
      startedAt: null,
      finishedAt,
      durationMs: null,
      error,
      result: null,
    });
    this.events.emit('task_error', taskErrorEvent(run, status, error, finishedAt));
  }

  /** Writes every outcome recorded so far (as a shutdown ends). */
  flush(): Promise<void> {
    return this.journal.flush();
  }

  /** Tells an outcome already stored by the statement that decided it. */
  recorded(run: RecordedOutcome): void {
    if (run.status === 'pending' || run.status === 'running' || run.status === 'succeeded') return;
    this.events.emit(
      'task_error',
      taskErrorEvent(run, run.status, run.error, run.finishedAt ?? this.clock.now()),
    );
  }
}
