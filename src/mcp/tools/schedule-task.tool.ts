import { z } from 'zod';
import type { PreviewView } from '../../api/contract';
import type { ScoutBackend } from '../scout-backend';
import { whenFields } from '../when';
import { defineTool, WHEN_DESCRIPTION } from './scout-tool';

const TIMEZONE_DESCRIPTION =
  'IANA time zone for cron fields, English times and at: times without an offset, e.g. ' +
  '"Europe/Berlin"; default: the service\'s zone (SCHEDULER_TIMEZONE)';

/** The service's reading of a `when`: the preview for a spec, or for plain English. */
export async function interpret(
  backend: ScoutBackend,
  when: string,
  timezone: string | undefined,
  count?: number,
): Promise<Record<string, unknown>> {
  const fields = whenFields(when);
  const spec = 'schedule' in fields ? fields.schedule : undefined;
  const text = 'text' in fields ? fields.text : undefined;
  const preview: PreviewView = await backend.previewSchedule({ spec, text, timezone, count });
  return {
    spec: preview.spec,
    type: preview.type,
    description: preview.description,
    nextRunTimes: preview.nextRunTimes,
    // The zone the service reads it in: the one the text names, else `timezone`, else its default.
    timezone: preview.timezone,
    ...(text === undefined ? {} : { interpretedFrom: preview.interpretedFrom ?? text }),
  };
}

export const scheduleTaskTool = defineTool({
  name: 'schedule_task',
  title: 'Schedule a task',
  description:
    'Create a task and schedule it. The task runs a handler with a JSON payload: "http" calls ' +
    '{url, method?, headers?, body?}; "noop" does nothing (for trying things out); a host app may ' +
    'add others. Call it with dryRun: true first to see how `when` is understood (spec, ' +
    'description, next 5 fire times, time zone) without saving anything, confirm with the user, ' +
    'then call again without dryRun. Answers the task and its schedule.',
  inputSchema: {
    name: z.string().describe('A short name for the task, e.g. "Check the build"'),
    when: z.string().describe(WHEN_DESCRIPTION),
    handler: z.string().optional().describe('Handler name, e.g. "http" or "noop"; default: the service\'s'),
    payload: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('JSON object given to the handler, e.g. {"url": "https://example.com/hook"}'),
    description: z.string().optional().describe('What the task is for'),
    timezone: z.string().optional().describe(TIMEZONE_DESCRIPTION),
    timeoutSeconds: z.number().optional().describe('A run still going after this many seconds is timed out'),
    maxRetries: z.number().optional().describe('Retry a failed run this many times (default 0)'),
    dryRun: z
      .boolean()
      .optional()
      .describe(
        'true: only answer how `when` is understood (spec, description, next fire times, time zone); nothing is saved',
      ),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  async run(backend, args) {
    // The preview checks `when` and the zone before anything is stored.
    const interpretation = await interpret(backend, args.when, args.timezone, 5);
    if (args.dryRun) return { dryRun: true, saved: false, ...interpretation };
    const { name, description, handler, payload, timezone, timeoutSeconds, maxRetries } = args;
    const task = await backend.createTask({ name, description, handler, payload });
    try {
      const schedule = await backend.scheduleTask(task.id, {
        ...whenFields(args.when),
        timezone,
        timeoutSeconds,
        maxRetries,
      });
      return { task: { ...task, nextRunAt: schedule.nextRunAt }, schedule };
    } catch (error) {
      // A refused schedule leaves nothing behind: the task made for it goes too.
      await removeQuietly(backend, task.id);
      throw error;
    }
  },
});

async function removeQuietly(backend: ScoutBackend, taskId: string): Promise<void> {
  try {
    await backend.deleteTask(taskId);
  } catch {
    // The refusal is what the caller needs to see; a leftover task shows in list_tasks.
  }
}
