import { z } from 'zod';
import type { ScoutBackend } from '../scout-backend';
import { ScoutApiError } from '../../client/scout-api-error';
import { defineTool, TASK_ID_DESCRIPTION } from './scout-tool';

const taskId = z.string().describe(TASK_ID_DESCRIPTION);

export const listTasksTool = defineTool({
  name: 'list_tasks',
  title: 'List tasks',
  description:
    'List tasks, oldest first, each with its handler, payload, status (idle or running), next ' +
    "fire time and last run. Pages: pass the answer's nextCursor as cursor for the next page.",
  inputSchema: {
    limit: z.number().optional().describe('Tasks per page, 1-500 (default 50)'),
    cursor: z.string().optional().describe('nextCursor of the previous page'),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  run: (backend, args) => backend.listTasks({ limit: args.limit, cursor: args.cursor }),
});

export const getTaskTool = defineTool({
  name: 'get_task',
  title: 'Get a task',
  description:
    'One task: its handler, payload, status, next fire time and last run, with its schedule ' +
    '(spec, description, time zone, paused; null when it has none).',
  inputSchema: { taskId },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(backend, args) {
    const task = await backend.getTask(args.taskId);
    return { task, schedule: await scheduleOrNull(backend, args.taskId) };
  },
});

async function scheduleOrNull(backend: ScoutBackend, id: string): Promise<unknown> {
  try {
    return await backend.getSchedule(id);
  } catch (error) {
    if (error instanceof ScoutApiError && error.status === 404) return null;
    throw error;
  }
}

export const getTaskRunsTool = defineTool({
  name: 'get_task_runs',
  title: "Read a task's runs",
  description:
    "A task's runs, newest first: when each was due and ran, its status (pending, running, " +
    'succeeded, failed, timed_out, interrupted, skipped, missed), error and result. Pages: pass ' +
    "the answer's nextCursor as before for older runs.",
  inputSchema: {
    taskId,
    limit: z.number().optional().describe('Runs per page, 1-500 (default 50)'),
    before: z.string().optional().describe('nextCursor of the previous page, or an ISO 8601 instant'),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  run: (backend, args) => backend.getTaskRuns(args.taskId, { limit: args.limit, before: args.before }),
});

export const runTaskNowTool = defineTool({
  name: 'run_task_now',
  title: 'Run a task now',
  description:
    'Run a task once, now, outside its schedule (the schedule is unchanged). Answers the new run ' +
    '(status running); read its outcome with get_task_runs.',
  inputSchema: { taskId },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  run: (backend, args) => backend.runTaskNow(args.taskId),
});

export const deleteTaskTool = defineTool({
  name: 'delete_task',
  title: 'Delete a task',
  description: 'Delete a task and its schedule for good. Its past runs stay readable with get_task_runs.',
  inputSchema: { taskId },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(backend, args) {
    await backend.deleteTask(args.taskId);
    return { taskId: args.taskId, deleted: true };
  },
});

export const publishEventTool = defineTool({
  name: 'publish_event',
  title: 'Publish an event',
  description:
    'Publish an event: every task scheduled "on:<name>" runs now, given the payload. Answers the ' +
    'runs it started (none if no task waits for the event).',
  inputSchema: {
    name: z.string().describe('Event name: letters, digits, _ . : -, e.g. "deploy.finished"'),
    payload: z.unknown().optional().describe('Any JSON value, handed to each run'),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  run: (backend, args) => backend.publishEvent(args.name, args.payload),
});
