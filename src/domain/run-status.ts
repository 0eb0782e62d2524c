/** What started a run. */
export const RUN_TRIGGERS = ['schedule', 'manual', 'event', 'chain', 'retry'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/**
 * A run's life: `pending` (claimed, not started), `running`, then exactly one final status.
 * A `pending` run whose instance's start watermark has passed its start counts as `running`:
 * see `persistence/run-state.ts`.
 */
export const RUN_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'interrupted',
  'skipped',
  'missed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'interrupted',
  'skipped',
  'missed',
];
