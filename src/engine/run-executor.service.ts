import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '../common/clock';
import { forEachInSlices } from '../common/time-slices';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { DatabaseState } from '../persistence/database-state.service';
import { RunClaimsRepository } from '../persistence/run-claims.repository';
import { TaskRunRepository } from '../persistence/task-run.repository';
import type { TaskRunContext } from '../tasks/task-handler';
import { TaskHandlerRegistry } from '../tasks/task-handler.registry';
import { FireTimers } from './fire-timers';
import { InstanceIdentity } from './instance-identity';
import { RUN_LEASE_MS } from './leases';
import { RunOutcomes } from './run-outcomes';
import { Fire, retryDelayMs } from './run-policy';

export const MAX_RESULT_BYTES = 64 * 1024;
/** While shutting down, how often the log says which runs are still awaited. */
export const DRAIN_REPORT_MS = 2_000;
const DRAIN_REPORT_NAMES = 5;
/** Retries whose run could not be inserted while the database was away, kept to insert when it is back. */
export const MAX_DEFERRED_RETRIES = 10_000;

type FinalStatus = 'succeeded' | 'failed' | 'timed_out' | 'interrupted';

interface ActiveRun {
  fire: Fire;
  startedAt: Date;
  /** Made when the handler first reads its signal: most handlers never do, and a start is hot. */
  controller: AbortController | null;
  /** Why the run was aborted before the handler asked for its signal. */
  abortReason: Error | null;
  /** The run's timeout once the default is applied; null: none. */
  timeoutMs: number | null;
  timeout: NodeJS.Timeout | null;
  /** `finishedAtMs`: when the handler returned, for a run settled later than that (see announceStarted). */
  settle: (status: FinalStatus, error: string | null, result: unknown, finishedAtMs?: number) => void;
}

class RunTimeout extends Error {}

/**
 * What a handler is given. A class rather than an object literal: a literal with a getter costs
 * about fifteen times more to make (~0.7 µs against ~50 ns), and a group of thousands of fires
 * makes one each in a single loop at the instant.
 */
class RunContext implements TaskRunContext {
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

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** Large results are cut, not refused: history keeps a preview. */
export function boundResult(result: unknown): unknown {
  if (result === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch {
    // Circular structures or BigInt: keep a note rather than fail the run.
    return { unserializable: true };
  }
  if (text === undefined) return null;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_RESULT_BYTES) return result;
  // Cut on bytes; a character split at the end decodes to U+FFFD, so the preview stays valid text.
  return { truncated: true, preview: bytes.subarray(0, MAX_RESULT_BYTES / 2).toString('utf8') };
}

/**
 * Starts runs and sees each one to exactly one final status: applies the overlap policy, the
 * per-instance concurrency cap (waiting fires start in order), timeouts and retries, and
 * reports every outcome to `RunOutcomes`.
 */
@Injectable()
export class RunExecutor {
  private readonly logger = new Logger(RunExecutor.name);
  private readonly active = new Map<string, ActiveRun>();
  private readonly activeBySchedule = new Map<string, number>();
  private readonly queuedBySchedule = new Map<string, Fire[]>();
  private readonly waiting: Fire[] = [];
  private readonly retryTimers = new Map<string, string>();
  /** Fires whose start is being recorded; they hold a slot meanwhile. */
  private confirming = 0;
  private readonly successListeners: Array<(fire: Fire, finishedAt: Date) => void> = [];
  private accepting = true;
  /** Runs started in this turn whose `task_started` is not out yet (sent together, after the starts). */
  private startedUnannounced: ActiveRun[] = [];
  /**
   * Runs whose handler returned a plain value (no promise): settled right after the starts are
   * announced, in the same job — two promises fewer per run than settling each through `then`.
   */
  private returnedUnsettled: Array<{ active: ActiveRun; result: unknown; returnedAtMs: number }> = [];
  private deferredRetries: Array<{ fire: Fire; failedAt: Date }> = [];

  constructor(
    private readonly handlers: TaskHandlerRegistry,
    private readonly outcomes: RunOutcomes,
    private readonly runs: TaskRunRepository,
    private readonly claims: RunClaimsRepository,
    private readonly timers: FireTimers,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Optional() private readonly database?: DatabaseState,
  ) {
    database?.onRestored(() => {
      const deferred = this.deferredRetries;
      this.deferredRetries = [];
      for (const { fire, failedAt } of deferred) void this.scheduleRetry(fire, failedAt);
    });
  }

  /** Whether this run is running here, or waiting here for a slot or its schedule's previous run. */
  isHandling(runId: string): boolean {
    if (this.active.has(runId)) return true;
    if (this.waiting.some((fire) => fire.run.id === runId)) return true;
    for (const queued of this.queuedBySchedule.values())
      if (queued.some((fire) => fire.run.id === runId)) return true;
    return false;
  }

  get activeCount(): number {
    return this.active.size;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Called after every successful run (chaining listens here). */
  onSuccess(listener: (fire: Fire, finishedAt: Date) => void): void {
    this.successListeners.push(listener);
  }

  launch(fire: Fire): void {
    if (!this.accepting) {
      this.refuse(fire);
      return;
    }
    const scheduleId = fire.run.scheduleId;
    if (scheduleId && fire.policy.overlap !== 'allow' && (this.activeBySchedule.get(scheduleId) ?? 0) > 0) {
      if (fire.policy.overlap === 'queue') {
        this.queuedBySchedule.set(scheduleId, [...(this.queuedBySchedule.get(scheduleId) ?? []), fire]);
      } else {
        this.recordNotStarted(
          fire,
          'skipped',
          'skipped: the previous run of this schedule was still running',
        );
      }
      return;
    }
    this.admit(fire);
  }

  /** Records a fire that will not run (e.g. past the chain depth limit): `skipped`, with a task_error. */
  skip(fire: Fire, reason: string): void {
    this.recordNotStarted(fire, 'skipped', reason);
  }

  /** Drops the armed retries of a schedule that was paused or cancelled. */
  cancelRetries(scheduleId: string): void {
    for (const [name, owner] of this.retryTimers) {
      if (owner !== scheduleId) continue;
      this.timers.disarm(name);
      this.retryTimers.delete(name);
    }
  }

  /**
   * Stops taking fires and waits for the running ones up to `graceMs`, or until `cutShort`
   * resolves (a second signal), saying every DRAIN_REPORT_MS what it waits for; then interrupts
   * the rest. A fire whose start is recorded but that holds no slot yet (waiting for one, queued
   * behind its schedule's run, or launched from now on) never starts: it is recorded
   * `interrupted` at once, so its event goes out with the others'.
   */
  async drain(graceMs: number, cutShort?: Promise<unknown>): Promise<void> {
    this.accepting = false;
    const unstarted = [...this.waiting, ...[...this.queuedBySchedule.values()].flat()];
    this.waiting.length = 0;
    this.queuedBySchedule.clear();
    for (const fire of unstarted) this.refuse(fire);
    // Unstarted retries stay `pending` in the database; whoever starts next takes them over.
    for (const name of this.retryTimers.keys()) this.timers.disarm(name);
    this.retryTimers.clear();
    let endedEarly = false;
    void cutShort?.then(() => (endedEarly = true));
    const deadline = this.clock.nowMs() + graceMs;
    let reportAt = this.clock.nowMs();
    // Runs whose start is being recorded (`confirming`) are waited for too: they end `interrupted`.
    while ((this.active.size > 0 || this.confirming > 0) && !endedEarly && this.clock.nowMs() < deadline) {
      if (this.clock.nowMs() >= reportAt && this.active.size > 0) {
        this.reportWaiting(deadline);
        reportAt += DRAIN_REPORT_MS;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (this.active.size > 0) {
      this.logger.warn(
        `${endedEarly ? 'Not waiting any longer' : 'Shutdown grace period over'}: interrupting ${this.active.size} run(s)`,
      );
    }
    for (const run of [...this.active.values()]) {
      this.abort(run, new Error('the service shut down'));
      run.settle('interrupted', 'interrupted: the service shut down before the run finished', null);
    }
    await this.outcomes.flush();
  }

  /** `waiting for 3 running run(s): digest, report, sync, 7 s left` (at most five names). */
  private reportWaiting(deadline: number): void {
    const names = [...this.active.values()].map(({ fire }) => fire.task.name);
    const shown =
      names.slice(0, DRAIN_REPORT_NAMES).join(', ') + (names.length > DRAIN_REPORT_NAMES ? ', …' : '');
    const left = Math.max(0, Math.ceil((deadline - this.clock.nowMs()) / 1000));
    this.logger.log(`waiting for ${names.length} running run(s): ${shown}, ${left} s left`);
  }

  /**
   * A fire that arrives while shutting down. Its start is recorded (the API tells it started), so
   * it ends `interrupted` without running; an unrecorded one (a retry) stays `pending`, to be
   * taken over.
   */
  private refuse(fire: Fire): void {
    if (fire.recorded) {
      this.recordNotStarted(
        fire,
        'interrupted',
        'interrupted: the service shut down before the run could start',
      );
    }
  }

  private admit(fire: Fire): void {
    if (this.active.size + this.confirming >= this.options.maxConcurrentRuns) {
      this.waiting.push(fire);
      return;
    }
    this.start(fire);
  }

  /**
   * Starts a run whose start is recorded in the database (so a crash from here on leaves it
   * `interrupted`, never executed twice). A run not recorded yet (a retry) is recorded first —
   * only if this instance still holds its claim; one taken over elsewhere is not started here.
   */
  private start(fire: Fire): void {
    if (fire.recorded) {
      this.begin(fire);
      return;
    }
    this.confirming++;
    this.claims.startIfHeld([fire.run.id], this.identity.id, this.clock.now()).then(
      (held) => {
        this.confirming--;
        if (held.has(fire.run.id) && this.accepting) this.begin(fire);
        else {
          // Recorded started, but the service is shutting down: it ends without running.
          if (held.has(fire.run.id)) this.refuse({ ...fire, recorded: true });
          this.release(null);
        }
      },
      (error: Error) => {
        this.confirming--;
        // Left `pending`: recovered (by the misfire policy) once the database is back.
        if (!this.database?.report(error))
          this.logger.error(
            `Could not record the start of run ${fire.run.id}; not started here: ${error.message}`,
          );
        this.release(null);
      },
    );
  }

  private begin(fire: Fire): void {
    const startedAt = this.clock.now();
    const { run, task, policy } = fire;
    const handler = this.handlers.get(task.handler);
    if (!handler) {
      this.recordNotStarted(fire, 'failed', `handler ${JSON.stringify(task.handler)} is not registered here`);
      return;
    }
    let settled = false;
    // Resolved here, not when the schedule was stored: rows without a timeout follow the setting.
    const timeoutMs = policy.timeoutMs ?? this.options.defaultTimeoutSeconds * 1000;
    const active: ActiveRun = {
      fire,
      startedAt,
      controller: null,
      abortReason: null,
      timeoutMs: timeoutMs > 0 ? timeoutMs : null,
      timeout: null,
      settle: (status, error, result, finishedAtMs) => {
        if (settled) return;
        settled = true;
        this.complete(active, status, error, result, finishedAtMs);
      },
    };
    this.active.set(run.id, active);
    if (run.scheduleId)
      this.activeBySchedule.set(run.scheduleId, (this.activeBySchedule.get(run.scheduleId) ?? 0) + 1);
    // A whole group of fires starts in one turn: their events go out after the last start (and
    // before any of them can finish: this promise job is queued ahead of the handlers' outcomes).
    this.startedUnannounced.push(active);
    if (this.startedUnannounced.length === 1) void Promise.resolve().then(() => this.announceStarted());
    let outcome: unknown;
    try {
      outcome = handler.run(new RunContext(active));
    } catch (error) {
      outcome = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (!isThenable(outcome)) {
      this.returnedUnsettled.push({ active, result: outcome, returnedAtMs: this.clock.nowMs() });
      return;
    }
    // Only a run still going needs a timer: most handlers return at once, and a group of
    // thousands of starts should not arm (and then clear) a timer each.
    if (active.timeoutMs !== null) this.armTimeout(active);
    Promise.resolve(outcome).then(
      (result) => active.settle('succeeded', null, boundResult(result)),
      (error: unknown) =>
        active.settle('failed', error instanceof Error ? error.message : String(error), null),
    );
  }

  private armTimeout(active: ActiveRun): void {
    const timeoutMs = active.timeoutMs!;
    const bySetting = active.fire.policy.timeoutMs === null ? ' (SCHEDULER_DEFAULT_TIMEOUT_SECONDS)' : '';
    const elapsedMs = this.clock.nowMs() - active.startedAt.getTime();
    active.timeout = setTimeout(
      () => {
        this.abort(active, new RunTimeout(`timed out after ${timeoutMs} ms`));
        active.settle('timed_out', `timed out after ${timeoutMs / 1000}s${bySetting}`, null);
      },
      Math.max(0, timeoutMs - elapsedMs),
    );
  }

  private announceStarted(): void {
    const started = this.startedUnannounced;
    this.startedUnannounced = [];
    for (const { fire, startedAt } of started) this.outcomes.started(fire.run, startedAt);
    const returned = this.returnedUnsettled;
    this.returnedUnsettled = [];
    // Behind the delivery of the events above: the clients hear of the starts before this
    // instance spends time on the group's completions. In slices: a group of 10,000 completions
    // in one piece held the thread for tens of milliseconds, and every API request behind it.
    // Each run still ends when its handler returned.
    if (returned.length > 0)
      void Promise.resolve().then(() =>
        forEachInSlices(returned, ({ active, result, returnedAtMs }) =>
          active.settle('succeeded', null, boundResult(result), returnedAtMs),
        ),
      );
  }

  private abort(active: ActiveRun, reason: Error): void {
    active.abortReason ??= reason;
    active.controller?.abort(reason);
  }

  private complete(
    active: ActiveRun,
    status: FinalStatus,
    error: string | null,
    result: unknown,
    finishedAtMs = this.clock.nowMs(),
  ): void {
    const { fire, startedAt } = active;
    const { run } = fire;
    if (active.timeout) clearTimeout(active.timeout);
    const finishedAt = new Date(finishedAtMs);
    this.active.delete(run.id);
    this.outcomes.ran(run, { status, error, result }, startedAt, finishedAt);
    this.release(run.scheduleId);
    if (status === 'succeeded') {
      for (const listener of this.successListeners) listener(fire, finishedAt);
    } else if ((status === 'failed' || status === 'timed_out') && run.attempt <= fire.policy.maxRetries) {
      void this.scheduleRetry(fire, finishedAt);
    }
  }

  /** Frees the run's slot: the schedule's queued fire goes first, then the oldest waiting fire. */
  private release(scheduleId: string | null): void {
    if (scheduleId) {
      const remaining = (this.activeBySchedule.get(scheduleId) ?? 1) - 1;
      if (remaining > 0) this.activeBySchedule.set(scheduleId, remaining);
      else this.activeBySchedule.delete(scheduleId);
      const queued = this.queuedBySchedule.get(scheduleId);
      const next = queued?.shift();
      if (queued && queued.length === 0) this.queuedBySchedule.delete(scheduleId);
      if (next && this.accepting) this.admit(next);
    }
    while (
      this.accepting &&
      this.waiting.length > 0 &&
      this.active.size + this.confirming < this.options.maxConcurrentRuns
    ) {
      // Re-checks the overlap policy: the schedule's previous fire may have started meanwhile.
      this.launch(this.waiting.shift()!);
    }
  }

  private recordNotStarted(fire: Fire, status: 'skipped' | 'failed' | 'interrupted', error: string): void {
    this.outcomes.notStarted(fire.run, status, error);
  }

  private async scheduleRetry(fire: Fire, failedAt: Date): Promise<void> {
    const attempt = fire.run.attempt + 1;
    const retryAt = new Date(failedAt.getTime() + retryDelayMs(fire.policy, fire.run.attempt));
    try {
      const run = await this.runs.insertRun(
        {
          taskId: fire.run.taskId,
          scheduleId: fire.run.scheduleId,
          trigger: 'retry',
          scheduledFor: retryAt,
          attempt,
          instanceId: this.identity.id,
          chainDepth: fire.chainDepth,
        },
        RUN_LEASE_MS,
        'pending',
      );
      // Shutting down: the retry stays `pending`, for whoever starts next to take over.
      if (!run || !this.accepting) return;
      const name = `scout:retry:${run.id}`;
      this.retryTimers.set(name, fire.run.scheduleId ?? '');
      this.timers.arm(name, retryAt.getTime(), () => {
        this.retryTimers.delete(name);
        this.launch({ ...fire, run, recorded: false });
      });
    } catch (error) {
      if (this.database?.report(error)) {
        if (this.deferredRetries.length < MAX_DEFERRED_RETRIES) this.deferredRetries.push({ fire, failedAt });
        return;
      }
      this.logger.error(
        `Could not schedule retry ${attempt} of run ${fire.run.id}: ${(error as Error).message}`,
      );
    }
  }
}
