import { z } from 'zod';
import { interpret } from './schedule-task.tool';
import { defineTool, TASK_ID_DESCRIPTION, WHEN_DESCRIPTION } from './scout-tool';

const taskId = z.string().describe(TASK_ID_DESCRIPTION);

export const previewScheduleTool = defineTool({
  name: 'preview_schedule',
  title: 'Preview a schedule',
  description:
    'Check what a `when` means without saving anything: the spec it stands for, a description ' +
    'in words, and the next fire times (ISO 8601, UTC). Use it to confirm a schedule with the user.',
  inputSchema: {
    when: z.string().describe(WHEN_DESCRIPTION),
    timezone: z
      .string()
      .optional()
      .describe('IANA time zone, e.g. "America/New_York"; default: the service\'s'),
    count: z.number().optional().describe('How many fire times, 1-100 (default 5)'),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  run: (backend, args) => interpret(backend, args.when, args.timezone, args.count),
});

export const pauseScheduleTool = defineTool({
  name: 'pause_schedule',
  title: 'Pause a schedule',
  description:
    "Pause a task's schedule: nothing fires until resume_schedule. Fires that fall due while " +
    'paused are skipped, not made up. Answers the schedule.',
  inputSchema: { taskId },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  run: (backend, args) => backend.pauseSchedule(args.taskId),
});

export const resumeScheduleTool = defineTool({
  name: 'resume_schedule',
  title: 'Resume a schedule',
  description:
    'Resume a paused schedule; it continues at its next fire time after now. Answers the schedule.',
  inputSchema: { taskId },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  run: (backend, args) => backend.resumeSchedule(args.taskId),
});

export const cancelScheduleTool = defineTool({
  name: 'cancel_schedule',
  title: 'Cancel a schedule',
  description:
    "Remove a task's schedule for good: it never fires again. The task and its run history stay " +
    '(it can still be run with run_task_now, or scheduled again with schedule_task on a new task).',
  inputSchema: { taskId },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  async run(backend, args) {
    await backend.cancelSchedule(args.taskId);
    return { taskId: args.taskId, cancelled: true };
  },
});
