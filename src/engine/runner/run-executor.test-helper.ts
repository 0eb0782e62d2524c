import { afterEach, beforeAll, beforeEach, expect, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../../common/clock';
import { DEFAULT_SCHEDULER_OPTIONS, type SchedulerOptions } from '../../config/scheduler-options';
import { SchedulerEventEmitter } from '../../events/scheduler-event.emitter';
import type { SchedulerEventMap, SchedulerEventName } from '../../events/event-payloads';
import type { TaskRunEntity } from '../../persistence/task-run.entity';
import type { RunClaimsRepository } from '../../persistence/run-claims.repository';
import type { NewRun, RunOutcome, TaskRunRepository } from '../../persistence/task-run.repository';
import type { TaskHandler, TaskRunContext } from '../../tasks/task-handler';
import type { TaskHandlerRegistry } from '../../tasks/task-handler.registry';
import { FireTimers } from '../fire-timers';
import { InstanceIdentity } from '../cluster/instance-identity';
import { RunExecutor } from './run-executor.service';
import type { RunJournal } from './run-journal.service';
import { RunOutcomes } from './run-outcomes';
import type { Fire, RunPolicy } from './run-policy';
import { RunRetries } from './run-retries';

export const SECOND = 1_000;
export const T0 = new Date('2027-01-01T00:00:00Z').getTime();
export const iso = (ms: number) => new Date(ms).toISOString();

export type Event = {
  [K in SchedulerEventName]: { name: K; payload: SchedulerEventMap[K]; atMs: number };
}[SchedulerEventName];

/** A run start as the executor announces it (task_started). */
interface RunStart {
  id: string;
  startedAt: Date;
}

/** A run of a controlled handler: the test decides when and how it ends. */
interface Call {
  context: TaskRunContext;
  atMs: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A handler whose runs end only when the test says so. */
export class ControlledHandler implements TaskHandler {
  readonly calls: Call[] = [];
  constructor(private readonly clock: Clock) {}

  run(context: TaskRunContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.push({ context, atMs: this.clock.nowMs(), resolve, reject });
    });
  }

  callOf(runId: string): Call {
    const call = this.calls.find((candidate) => candidate.context.run.id === runId);
    if (!call) throw new Error(`run ${runId} never reached the handler`);
    return call;
  }
}

/** Records what the executor would write to the database; `starts` come from task_started. */
export class FakeJournal {
  readonly starts: RunStart[] = [];
  readonly outcomes: RunOutcome[] = [];
  flushes = 0;

  finished(outcome: RunOutcome): void {
    this.outcomes.push(outcome);
  }

  flush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }

  outcomeOf(runId: string): RunOutcome | undefined {
    return this.outcomes.find((outcome) => outcome.id === runId);
  }
}

/** insertRun with the unique `(scheduleId, scheduledFor)` claim key. */
export class FakeRuns {
  readonly inserted: TaskRunEntity[] = [];
  readonly calls: NewRun[] = [];

  /** Retries are recorded `running` before they start, if still held: here always. */
  readonly startRecorded: string[] = [];

  startIfHeld(ids: string[]): Promise<Set<string>> {
    this.startRecorded.push(...ids);
    return Promise.resolve(new Set(ids));
  }

  insertRun(run: NewRun, leaseMs: number): Promise<TaskRunEntity | null> {
    this.calls.push(run);
    const taken = this.inserted.some(
      (row) =>
        row.scheduleId !== null &&
        row.scheduleId === run.scheduleId &&
        row.scheduledFor.getTime() === run.scheduledFor.getTime(),
    );
    if (taken) return Promise.resolve(null);
    const row: TaskRunEntity = {
      id: `retry-${this.inserted.length + 1}`,
      taskId: run.taskId,
      scheduleId: run.scheduleId,
      trigger: run.trigger,
      scheduledFor: run.scheduledFor,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      status: 'pending',
      attempt: run.attempt,
      error: null,
      result: null,
      instanceId: run.instanceId,
      leaseUntil: new Date(run.scheduledFor.getTime() + leaseMs),
      createdAt: new Date(),
      chainDepth: run.chainDepth ?? 0,
    };
    this.inserted.push(row);
    return Promise.resolve(row);
  }
}

/** Lets settled handler promises reach the executor (and advances fake time). */
export const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);
export const flush = () => jest.advanceTimersByTimeAsync(0);
/** A turn's `task_started` events go out together, right after its starts (one microtask). */
export const afterStarts = () => Promise.resolve();

/**
 * A `RunExecutor` on fake timers with a controlled handler, the fakes above and the events it
 * emits; `useRunExecutorBed` makes everything afresh before each test. The helpers are arrow
 * properties, so a spec can take them out once.
 */
export class RunExecutorBed {
  clock: Clock;
  registry: SchedulerRegistry;
  handlers: Map<string, TaskHandler>;
  handler: ControlledHandler;
  journal: FakeJournal;
  runs: FakeRuns;
  emitter: SchedulerEventEmitter;
  events: Event[];
  identity: InstanceIdentity;
  options: SchedulerOptions;
  executor: RunExecutor;
  private seq = 0;

  reset(): void {
    this.clock = new Clock();
    this.registry = new SchedulerRegistry();
    this.handler = new ControlledHandler(this.clock);
    this.handlers = new Map<string, TaskHandler>([['controlled', this.handler]]);
    this.journal = new FakeJournal();
    this.runs = new FakeRuns();
    this.emitter = new SchedulerEventEmitter();
    this.events = [];
    this.emitter.subscribe((name, payload) =>
      this.events.push({ name, payload, atMs: this.clock.nowMs() } as Event),
    );
    this.emitter.subscribe((name, payload) => {
      if (name === 'task_started') {
        const started = payload as { runId: string; startedAt: string };
        this.journal.starts.push({ id: started.runId, startedAt: new Date(started.startedAt) });
      }
    });
    this.identity = new InstanceIdentity();
    this.seq = 0;
    this.build();
  }

  readonly build = (overrides: Partial<SchedulerOptions> = {}): RunExecutor => {
    this.options = { ...DEFAULT_SCHEDULER_OPTIONS, ...overrides };
    const runs = this.runs as unknown as TaskRunRepository;
    this.executor = new RunExecutor(
      { get: (name: string) => this.handlers.get(name) } as unknown as TaskHandlerRegistry,
      new RunOutcomes(this.journal as unknown as RunJournal, this.emitter, this.clock),
      this.runs as unknown as RunClaimsRepository,
      new RunRetries(runs, new FireTimers(this.registry, this.clock), this.identity),
      this.clock,
      this.identity,
      this.options,
    );
    return this.executor;
  };

  /** A fire of `scheduleId` (null: a manual run) planned for now, run by the controlled handler. */
  readonly fire = (
    scheduleId: string | null = 'schedule-1',
    policy: Partial<RunPolicy> = {},
    extra: { handler?: string; scheduledFor?: number; taskId?: string } = {},
  ): Fire => {
    this.seq++;
    return {
      run: {
        id: `run-${this.seq}`,
        taskId: extra.taskId ?? 'task-1',
        scheduleId,
        scheduledFor: new Date(extra.scheduledFor ?? this.clock.nowMs()),
        attempt: 1,
        trigger: scheduleId ? 'schedule' : 'manual',
      },
      recorded: true,
      task: {
        id: extra.taskId ?? 'task-1',
        name: 'Task one',
        handler: extra.handler ?? 'controlled',
        payload: { n: this.seq },
      },
      policy: { overlap: 'skip', timeoutMs: null, maxRetries: 0, retryBackoffMs: 10 * SECOND, ...policy },
      event: null,
    };
  };

  readonly eventsOf = (runId: string) =>
    this.events.filter((event) => event.payload && 'runId' in event.payload && event.payload.runId === runId);
  readonly namesOf = (runId: string) => this.eventsOf(runId).map((event) => event.name);
  readonly startedRunIds = () =>
    this.events
      .filter((event) => event.name === 'task_started')
      .map((event) => (event.payload as { runId: string }).runId);

  /** Every started run emits task_started then exactly one final event; a run never started, one task_error. */
  readonly expectLifecycle = (runId: string, started: boolean) => {
    const names = this.namesOf(runId);
    if (started) {
      expect(names).toHaveLength(2);
      expect(names[0]).toBe('task_started');
      expect(['task_finished', 'task_error']).toContain(names[1]);
    } else {
      expect(names).toEqual(['task_error']);
    }
  };
}

/** Registers the fake clock and a fresh bed before each test of the calling spec. */
export function useRunExecutorBed(): RunExecutorBed {
  const bed = new RunExecutorBed();
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    bed.reset();
  });
  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });
  return bed;
}
