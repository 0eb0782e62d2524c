/**
 * Control-plane latency under load: N tasks on `cron:* * * * * *` (N fires a second, seeded by
 * SQL) while a client pauses, resumes, cancels (`DELETE …/schedule`), updates (`PATCH` the task)
 * and deletes tasks — `rate` requests a second of each kind, the five kinds sent together, so
 * several are always in flight. Per kind: latency p50/p99/max and failures; the fires' lateness
 * over the window; and fires that started although their schedule had been stopped (paused,
 * cancelled, deleted) before their instant came within the start watermark's reach.
 * Usage: npm run bench:control -- [--tasks 10000] [--seconds 20] [--rate 10] [--db pglite|postgres]
 */
import { databaseOption, option, percentile, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
import { migrate, seedEverySecond, serviceEnv, sleepUntil, WARMUP_SECONDS } from './fire-accuracy';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export const CONTROL_KINDS = ['pause', 'resume', 'cancel', 'update', 'delete'] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];

export interface LatencySummary {
  requests: number;
  /** Requests answered other than 2xx, or not answered within REQUEST_TIMEOUT_MS. */
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ControlResult {
  tasks: number;
  seconds: number;
  rate: number;
  latency: Record<ControlKind, LatencySummary>;
  /** Fires of the window that started, and their lateness (ms). */
  started: number;
  fireP50: number;
  fireP99: number;
  fireMax: number;
  /** Fires that started although their schedule had been stopped before the watermark could reach them. */
  firesAfterStop: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
/**
 * A group's start is recorded 200 ms before its instant and a stop leaves a started fire alone:
 * a fire due up to that long after the stop was answered may still run. Any later one must not.
 */
const STOP_REACH_MS = 250;

interface Stop {
  taskId: string;
  answeredAt: number;
  /** When the schedule was resumed (pauses only): fires from then on are expected again. */
  until: number;
}

async function timed(url: string, method: string, body?: unknown): Promise<{ ms: number; ok: boolean }> {
  const began = performance.now();
  try {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return { ms: performance.now() - began, ok: response.ok };
  } catch {
    return { ms: performance.now() - began, ok: false };
  }
}

export function summarizeLatency(samples: Array<{ ms: number; ok: boolean }>): LatencySummary {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  const round = (ms: number | undefined) => (ms === undefined ? NaN : Math.round(ms * 10) / 10);
  return {
    requests: samples.length,
    failed: samples.filter((sample) => !sample.ok).length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)),
  };
}

/**
 * Sends `rate` requests a second of each kind from `from` to `to`. Each task is used by one kind
 * only; a paused task is resumed about a second later.
 */
async function controlTraffic(
  url: string,
  taskIds: string[],
  rate: number,
  to: number,
): Promise<{ samples: Record<ControlKind, Array<{ ms: number; ok: boolean }>>; stops: Stop[] }> {
  const samples = Object.fromEntries(CONTROL_KINDS.map((kind) => [kind, []])) as unknown as Record<
    ControlKind,
    Array<{ ms: number; ok: boolean }>
  >;
  const stops: Stop[] = [];
  const paused: Stop[] = [];
  const pick = (() => {
    let next = 0;
    return () => taskIds[next++ % taskIds.length];
  })();
  const record = (kind: ControlKind, request: Promise<{ ms: number; ok: boolean }>, stop?: string) =>
    request.then((sample) => {
      samples[kind].push(sample);
      if (stop && sample.ok) {
        const entry = { taskId: stop, answeredAt: Date.now(), until: Infinity };
        stops.push(entry);
        if (kind === 'pause') paused.push(entry);
      }
    });
  const pending: Array<Promise<void>> = [];
  const step = 1000 / rate;
  for (let at = Date.now(); at < to; at += step) {
    await sleepUntil(at);
    const [pause, cancel, update, remove] = [pick(), pick(), pick(), pick()];
    pending.push(record('pause', timed(`${url}/api/tasks/${pause}/schedule/pause`, 'POST'), pause));
    const resume = paused.length > rate ? paused.shift()! : null;
    if (resume) {
      resume.until = Date.now();
      pending.push(record('resume', timed(`${url}/api/tasks/${resume.taskId}/schedule/resume`, 'POST')));
    }
    pending.push(record('cancel', timed(`${url}/api/tasks/${cancel}/schedule`, 'DELETE'), cancel));
    pending.push(record('update', timed(`${url}/api/tasks/${update}`, 'PATCH', { name: `renamed ${at}` })));
    pending.push(record('delete', timed(`${url}/api/tasks/${remove}`, 'DELETE'), remove));
  }
  await Promise.all(pending);
  return { samples, stops };
}

export async function measureControl(
  tasks: number,
  seconds: number,
  rate: number,
  kind: DatabaseKind,
): Promise<ControlResult> {
  const database = await BenchDatabase.create(kind);
  try {
    await migrate(database);
    const taskIds = await database.session(async (query) => {
      await seedEverySecond(query, tasks);
      return (await query<{ id: string }>('SELECT id FROM task ORDER BY random()')).map((row) => row.id);
    });
    const service = new ServiceProcess(serviceEnv(database, tasks * 2), await freePort(), serviceNodeArgs());
    await service.start();
    const from = Math.ceil(Date.now() / 1000) * 1000 + WARMUP_SECONDS * 1000;
    const to = from + seconds * 1000;
    await sleepUntil(from);
    const { samples, stops } = await controlTraffic(service.url, taskIds, rate, to);
    await sleepUntil(Math.max(Date.now(), to + 1_500));
    await service.kill('SIGTERM');
    const runs = await database.session((query) =>
      query<{ taskId: string; scheduledFor: Date; lateness: number }>(
        `SELECT task_id AS "taskId", scheduled_for AS "scheduledFor",
                (extract(epoch FROM started_at - scheduled_for) * 1000)::float8 AS lateness
           FROM task_run
          WHERE scheduled_for >= $1 AND scheduled_for < $2 AND started_at IS NOT NULL
            AND status NOT IN ('skipped', 'missed')`,
        [new Date(from), new Date(Math.max(Date.now(), to + 1_500))],
      ),
    );
    const inWindow = runs.filter((run) => run.scheduledFor.getTime() < to);
    const lateness = inWindow.map((run) => run.lateness).sort((a, b) => a - b);
    const stopsByTask = new Map<string, Stop[]>();
    for (const stop of stops) stopsByTask.set(stop.taskId, [...(stopsByTask.get(stop.taskId) ?? []), stop]);
    const firesAfterStop = runs.filter((run) =>
      (stopsByTask.get(run.taskId) ?? []).some(
        (stop) =>
          run.scheduledFor.getTime() > stop.answeredAt + STOP_REACH_MS &&
          run.scheduledFor.getTime() < stop.until,
      ),
    ).length;
    return {
      tasks,
      seconds,
      rate,
      latency: Object.fromEntries(
        CONTROL_KINDS.map((kind) => [kind, summarizeLatency(samples[kind])]),
      ) as Record<ControlKind, LatencySummary>,
      started: inWindow.length,
      fireP50: Math.round(percentile(lateness, 50) ?? NaN),
      fireP99: Math.round(percentile(lateness, 99) ?? NaN),
      fireMax: Math.round(lateness.at(-1) ?? NaN),
      firesAfterStop,
    };
  } finally {
    await database.drop();
  }
}

if (require.main === module)
  runBenchmark(() =>
    measureControl(
      Number(option('tasks', '10000')),
      Number(option('seconds', '20')),
      Number(option('rate', '10')),
      databaseOption(),
    ),
  );
