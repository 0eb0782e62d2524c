import type { TaskRunContext } from '../../tasks/task-handler';
import type { Fire } from './run-policy';

export type FinalStatus = 'succeeded' | 'failed' | 'timed_out' | 'interrupted';

/** A run in progress on this instance, from its start until it settles. */
export interface ActiveRun {
  fire: Fire;
  startedAt: Date;
  /** Made when the handler first reads its signal: most handlers never do, and a start is hot. */
  controller: AbortController | null;
  /** Why the run was aborted before the handler asked for its signal. */
  abortReason: Error | null;
  /** The run's timeout once the default is applied; null: none. */
  timeoutMs: number | null;
  timeout: NodeJS.Timeout | null;
  /** Its `task_started` went out (announced after the group's starts, or by its own end, whichever is first). */
  announced: boolean;
  /** Its handler returned a plain value: only its bookkeeping is left. */
  returned: boolean;
  /** `finishedAtMs`: when the handler returned, for a run settled later than that (see RunAnnouncements). */
  settle: (status: FinalStatus, error: string | null, result: unknown, finishedAtMs?: number) => void;
}

/**
 * What a handler is given. A class rather than an object literal: a literal with a getter costs
 * about fifteen times more to make (~0.7 µs against ~50 ns), and a group of thousands of fires
 * makes one each in a single loop at the instant.
 */
export class RunContext implements TaskRunContext {
  readonly task: TaskRunContext['task'];
  readonly run: TaskRunContext['run'];
  readonly event: TaskRunContext['event'];
  readonly timeoutMs: number | null;
  readonly chainDepth: number;
  readonly #active: ActiveRun;

  constructor(active: ActiveRun) {
    const { run, task, event, chainDepth } = active.fire;
    this.task = { id: task.id, name: task.name, payload: task.payload };
    this.run = { id: run.id, scheduledFor: run.scheduledFor, attempt: run.attempt, trigger: run.trigger };
    this.event = event;
    this.timeoutMs = active.timeoutMs;
    this.chainDepth = chainDepth ?? 0;
    this.#active = active;
  }

  /** Made when the handler first reads it: most handlers never do, and a start is hot. */
  get signal(): AbortSignal {
    const active = this.#active;
    active.controller ??= new AbortController();
    if (active.abortReason && !active.controller.signal.aborted) active.controller.abort(active.abortReason);
    return active.controller.signal;
  }
}

/** Aborts the run's signal, or, if the handler has not asked for it yet, keeps the reason for when it does. */
export function abortRun(active: ActiveRun, reason: Error): void {
  active.abortReason ??= reason;
  active.controller?.abort(reason);
}
