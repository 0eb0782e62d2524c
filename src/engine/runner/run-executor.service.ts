import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { redactSecrets } from '../../common/secret-redaction';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../../config/scheduler-options';
import { DatabaseState } from '../../persistence/database-state.service';
import { RunClaimsRepository } from '../../persistence/run-claims.repository';
import { TaskHandlerRegistry } from '../../tasks/task-handler.registry';
import { InstanceIdentity } from '../cluster/instance-identity';
import { RunAdmission } from './run-admission';
import { RunAnnouncements } from './run-announcements';
import { type ActiveRun, type FinalStatus, RunContext } from './run-context';
import { drainRuns } from './run-drain';
import { RunOutcomes } from './run-outcomes';
import type { Fire } from './run-policy';
import { boundResult } from './run-result';
import { RunRetries } from './run-retries';
import { armTimeout } from './run-timeout';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * Starts runs and sees each one to exactly one final status: admits fires through `RunAdmission`
 * (overlap policy, per-instance concurrency cap), applies timeouts, hands failures to
 * `RunRetries`, and reports every outcome to `RunOutcomes`.
 */
@Injectable()
export class RunExecutor {
  private readonly logger = new Logger(RunExecutor.name);
  /** The clock as a function, made once: timeouts read it when they wake. */
  private readonly nowMs = () => this.clock.nowMs();
  /** Runs started here and not settled yet (drain, `isHandling`, `activeCount`). */
  private readonly active = new Map<string, ActiveRun>();
  /**
   * The runs holding a slot (overlap policy, concurrency cap): those whose handler is still
   * going. A run whose handler returned gives its slot back at once, before its bookkeeping
   * (its events, its final status) is done: that work is done in slices, and may trail.
   */
  private readonly slots = new Map<string, ActiveRun>();
  private readonly admission: RunAdmission;
  private readonly successListeners: Array<(fire: Fire, finishedAt: Date) => void> = [];
  /** The turn's `task_started` and the completions of runs that returned, sent after the starts in slices. */
  private readonly announcements: RunAnnouncements;

  constructor(
    private readonly handlers: TaskHandlerRegistry,
    private readonly outcomes: RunOutcomes,
    private readonly claims: RunClaimsRepository,
    private readonly retries: RunRetries,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Optional() private readonly database?: DatabaseState,
  ) {
    this.admission = new RunAdmission(options, this.slots, outcomes, (fire) => this.start(fire));
    this.announcements = new RunAnnouncements(outcomes, (active) => this.releaseSlot(active));
    retries.onDue((fire) => this.launch(fire));
  }

  /** Whether this run is running here, or waiting here for a slot or its schedule's previous run. */
  isHandling(runId: string): boolean {
    return this.active.has(runId) || this.admission.holds(runId);
  }

  get activeCount(): number {
    return this.active.size;
  }

  get waitingCount(): number {
    return this.admission.waitingCount;
  }

  /** Called after every successful run (chaining listens here). */
  onSuccess(listener: (fire: Fire, finishedAt: Date) => void): void {
    this.successListeners.push(listener);
  }

  launch(fire: Fire): void {
    if (!this.admission.accepting) {
      this.refuse(fire);
      return;
    }
    this.admission.admit(fire);
  }

  /** Records a fire that will not run (e.g. past the chain depth limit): `skipped`, with a task_error. */
  skip(fire: Fire, reason: string): void {
    this.outcomes.notStarted(fire.run, 'skipped', reason);
  }

  /** Drops the armed retries of a schedule that was paused or cancelled. */
  cancelRetries(scheduleId: string): void {
    this.retries.cancel(scheduleId);
  }

  /**
   * Stops taking fires and waits for the running ones up to `graceMs`, or until `cutShort`
   * resolves (a second signal), saying every DRAIN_REPORT_MS what it waits for; then interrupts
   * the rest. A fire whose start is recorded but that holds no slot yet (waiting for one, queued
   * behind its schedule's run, or launched from now on) never starts: it is recorded
   * `interrupted` at once, so its event goes out with the others'.
   */
  async drain(graceMs: number, cutShort?: Promise<unknown>): Promise<void> {
    for (const fire of this.admission.close()) this.refuse(fire);
    this.retries.stop();
    const { active, admission, clock, logger } = this;
    await drainRuns({ active, admission, clock, logger }, graceMs, cutShort);
    // Runs whose handler returned but whose completion a slice has not processed yet end now as
    // they ended, not `interrupted`, and before the journal's last flush.
    this.announcements.settleReturned();
    await this.outcomes.flush();
  }

  /**
   * A fire that arrives while shutting down. Its start is recorded (the API tells it started), so
   * it ends `interrupted` without running; an unrecorded one (a retry) stays `pending`, to be
   * taken over.
   */
  private refuse(fire: Fire): void {
    if (fire.recorded) {
      this.outcomes.notStarted(
        fire.run,
        'interrupted',
        'interrupted: the service shut down before the run could start',
      );
    }
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
    this.admission.confirming++;
    this.claims.startIfHeld([fire.run.id], this.identity.id, this.clock.now()).then(
      (held) => {
        this.admission.confirming--;
        if (held.has(fire.run.id) && this.admission.accepting) this.begin(fire);
        else {
          // Recorded started, but the service is shutting down: it ends without running.
          if (held.has(fire.run.id)) this.refuse({ ...fire, recorded: true });
          this.admission.release(null);
        }
      },
      (error: Error) => {
        this.admission.confirming--;
        // Left `pending`: recovered (by the misfire policy) once the database is back.
        if (!this.database?.report(error))
          this.logger.error(
            `Could not record the start of run ${fire.run.id}; not started here: ${error.message}`,
          );
        this.admission.release(null);
      },
    );
  }

  private begin(fire: Fire): void {
    const startedAt = this.clock.now();
    const { run, task, policy } = fire;
    const handler = this.handlers.get(task.handler);
    if (!handler) {
      this.outcomes.notStarted(
        run,
        'failed',
        `handler ${JSON.stringify(task.handler)} is not registered here`,
      );
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
      announced: false,
      returned: false,
      settle: (status, error, result, finishedAtMs) => {
        if (settled) return;
        settled = true;
        this.complete(active, status, error, result, finishedAtMs);
      },
    };
    this.active.set(run.id, active);
    this.slots.set(run.id, active);
    this.admission.started(run.scheduleId);
    // Announced after the turn's last start; a run that ends first announces itself (complete).
    this.announcements.started(active);
    let outcome: unknown;
    try {
      outcome = handler.run(new RunContext(active));
    } catch (error) {
      outcome = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (!isThenable(outcome)) {
      this.announcements.returned(active, outcome, this.clock.nowMs());
      return;
    }
    // Only a run still going needs a timer: most handlers return at once, and a group of
    // thousands of starts should not arm (and then clear) a timer each.
    if (active.timeoutMs !== null) armTimeout(active, this.nowMs);
    Promise.resolve(outcome).then(
      (result) => active.settle('succeeded', null, boundResult(result)),
      (error: unknown) =>
        active.settle('failed', error instanceof Error ? error.message : String(error), null),
    );
  }

  /** The run's handler is done: its slot goes to the next fire (once per run). */
  private releaseSlot(active: ActiveRun): void {
    if (this.slots.delete(active.fire.run.id)) this.admission.release(active.fire.run.scheduleId);
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
    this.announcements.forget(run.id);
    this.announcements.announce(active);
    // A handler's error or result may quote its task's secrets (a URL, an echoing webhook).
    const payload = fire.task.payload;
    this.outcomes.ran(
      run,
      { status, error: redactSecrets(payload, error), result: redactSecrets(payload, result) },
      startedAt,
      finishedAt,
    );
    this.releaseSlot(active);
    if (status === 'succeeded') {
      for (const listener of this.successListeners) listener(fire, finishedAt);
    } else if ((status === 'failed' || status === 'timed_out') && run.attempt <= fire.policy.maxRetries) {
      void this.retries.schedule(fire, finishedAt);
    }
  }
}
