/** A task as the REST API answers it (`docs/API.md`). */
export interface TaskView {
  id: string;
  name: string;
  description: string | null;
  handler: string;
  payload: Record<string, unknown> | null;
  status: 'idle' | 'running';
  nextRunAt: string | null;
  lastRun: { id: string; status: string; finishedAt: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

/** A run as the REST API answers it (`docs/API.md`). */
export interface RunView {
  id: string;
  taskId: string;
  scheduleId: string | null;
  trigger: string;
  scheduledFor: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  status: string;
  attempt: number;
  /** How many after:/on: steps led to the run (0: timed or manual). */
  chainDepth: number;
  error: string | null;
  result: unknown;
  instanceId: string | null;
}

/** Calls the REST API with fetch; any answer but 2xx throws with its status and body. */
export async function callApi<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}
