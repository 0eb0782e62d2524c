import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { RunTrigger } from '../domain/run-status';

/** What a handler is given for one run. */
export interface TaskRunContext {
  task: { id: string; name: string; payload: Record<string, unknown> | null };
  run: { id: string; scheduledFor: Date; attempt: number; trigger: RunTrigger };
  /** For runs fired by `on:<event>`: the event and its payload. */
  event: { name: string; payload: unknown } | null;
  /** Aborted when the run times out or the service shuts down; pass it to I/O. */
  signal: AbortSignal;
  /** The run's timeout (its schedule's, or `SCHEDULER_DEFAULT_TIMEOUT_SECONDS`); null: none. */
  timeoutMs: number | null;
  /**
   * How many `on:`/`after:` steps led to this run (0: a timed or manual run). A handler that
   * publishes an event passes it on (`publishEvent(name, payload, { chainDepth })`, or the
   * `X-Scout-Chain-Depth` header), so a loop of events stops at `SCHEDULER_MAX_CHAIN_DEPTH`.
   */
  chainDepth: number;
}

/**
 * A named piece of work the scheduler can run. Any Nest module contributes one by decorating a
 * provider with `@TaskHandler('name')`; the value it resolves to is stored as the run's result,
 * a throw (or rejection) fails the run with the error's message.
 */
export interface TaskHandler {
  run(context: TaskRunContext): unknown;
  /** Checks a task's payload when the task is saved; returns what is wrong, or null. */
  validatePayload?(payload: Record<string, unknown> | null): string | null;
}

export const TASK_HANDLER_METADATA = 'scout:task-handler';

export function TaskHandler(name: string): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(TASK_HANDLER_METADATA, name));
}
