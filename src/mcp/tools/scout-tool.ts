import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ScoutBackend } from '../scout-backend';

/**
 * One MCP tool, defined once for both transports: its name, what a model reads (title,
 * description, input schema, annotations) and what it does against a `ScoutBackend`. The input
 * schemas check types only; values (ranges, formats, specs) are the service's to check, so a
 * refusal carries the REST API's message.
 */
export interface ScoutTool<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: Shape;
  annotations: ToolAnnotations;
  /** The answer, sent to the model as JSON text. */
  run(backend: ScoutBackend, args: z.infer<z.ZodObject<Shape>>): Promise<unknown>;
}

/** Keeps each tool's `run` typed by its own schema while the list holds them all. */
export function defineTool<Shape extends z.ZodRawShape>(tool: ScoutTool<Shape>): ScoutTool {
  return tool;
}

/** What every tool acting on one task takes. */
export const TASK_ID_DESCRIPTION = 'The task id (a UUID, as schedule_task or list_tasks answered it)';

/** The part of every `when` description that says what the service reads. */
export const WHEN_DESCRIPTION =
  'When to run. Either a schedule spec: "every 30m", "every 1h30m", "cron:0 9 * * 1-5" (minute hour ' +
  'day month weekday; 6 fields adds seconds first), "at:2027-05-14T14:30" (once; local to timezone ' +
  'unless it has an offset), "in:2h" (once, from now), "on:deploy" (each time the event is ' +
  'published), "after:<taskId>" (each time that task succeeds). Or plain English: "every weekday at ' +
  '9am", "every 15 minutes between 9am and 5pm on weekdays", "on the last day of every month at ' +
  '18:00", "tomorrow at 3pm", "in 2 hours", "next friday at 9". Specs start with cron:, at:, in:, ' +
  'on:, after: or are "every <n><s|m|h|d|w>"; anything else is read as English.';
