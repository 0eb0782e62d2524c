/**
 * On time right after heavy API traffic: N tasks created over REST (`POST /api/tasks`, then
 * `POST /api/tasks/{id}/schedule` with `cron:* * * * * *`, `concurrency` at a time) on a running
 * service, then a window of whole seconds starting 2 s after the last one: fires started of
 * N × seconds and their lateness, and the latency of a few `DELETE …/schedule` sent right after
 * the window, under the same load. The SQL-seeded fire-accuracy workload is the same load without
 * the API traffic before it.
 * Usage: npm run bench:after-api -- [--tasks 10000] [--seconds 20] [--concurrency 16] [--db pglite|postgres]
 */
import { databaseOption, option, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
import { serviceEnv, sleepUntil } from './fire-accuracy';
import { FireSummary, summarizeFires } from './fire-summary';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface AfterApiResult extends FireSummary {
  tasks: number;
  seconds: number;
  /** Time to create every task and schedule over REST, and requests that failed. */
  createSeconds: number;
  createFailures: number;
  /** The slowest of the `DELETE …/schedule` requests sent after the window (ms; timed out: REQUEST_TIMEOUT_MS). */
  deleteMs: number;
  /** Planning passes completed during the window (about one a second when nothing else asks for one). */
  passesInWindow: number;
  /** Dead rows of the busy tables when the window starts (PostgreSQL server only: the statistics collector). */
  deadRows: Record<string, number> | null;
}

const GAP_MS = 2_000;
const DELETES = 5;
const REQUEST_TIMEOUT_MS = 20_000;

async function post(url: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (response.status !== 201) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as { id: string };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((response) => response.text());
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/** Creates `count` tasks with their schedules, `concurrency` at a time; returns their ids and failures. */
async function createOverRest(
  url: string,
  count: number,
  concurrency: number,
): Promise<{ ids: string[]; failures: number }> {
  const ids: string[] = [];
  let failures = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      try {
        const task = await post(`${url}/api/tasks`, { name: `bench ${n}`, handler: 'noop' });
        await post(`${url}/api/tasks/${task.id}/schedule`, { schedule: 'cron:* * * * * *' });
        ids.push(task.id);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ids, failures };
}

async function timedDelete(url: string): Promise<number> {
  const began = performance.now();
  try {
    const response = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.ok ? performance.now() - began : REQUEST_TIMEOUT_MS;
  } catch {
    return REQUEST_TIMEOUT_MS;
  }
}

export async function measureAfterApiTraffic(
  tasks: number,
  seconds: number,
  concurrency: number,
  kind: DatabaseKind,
): Promise<AfterApiResult> {
  const database = await BenchDatabase.create(kind);
  try {
    const service = new ServiceProcess(serviceEnv(database, tasks * 2), await freePort(), serviceNodeArgs());
    await service.start();
    const began = performance.now();
    const { ids, failures } = await createOverRest(service.url, tasks, concurrency);
    const createSeconds = (performance.now() - began) / 1000;
    const from = Math.ceil((Date.now() + GAP_MS) / 1000) * 1000;
    const to = from + seconds * 1000;
    await sleepUntil(from);
    const passesBefore = await metric(service.url, 'scout_planning_passes');
    const deadRows =
      database.kind === 'postgres'
        ? Object.fromEntries(
            (
              await database.session((query) =>
                query<{ relname: string; dead: number }>(
                  `SELECT relname, n_dead_tup::float8 AS dead FROM pg_stat_user_tables
                    WHERE relname IN ('schedule', 'task_run', 'task')`,
                ),
              )
            ).map((row) => [row.relname, row.dead]),
          )
        : null;
    await sleepUntil(to);
    const passesInWindow = (await metric(service.url, 'scout_planning_passes')) - passesBefore;
    let deleteMs = 0;
    for (const id of ids.slice(0, DELETES))
      deleteMs = Math.max(deleteMs, await timedDelete(`${service.url}/api/tasks/${id}/schedule`));
    await sleepUntil(Math.max(Date.now(), to + 1_500));
    await service.kill('SIGTERM');
    const runs = await database.session((query) =>
      query<{ key: string; lateness: number }>(
        `SELECT schedule_id || '@' || scheduled_for AS key,
                (extract(epoch FROM started_at - scheduled_for) * 1000)::float8 AS lateness
           FROM task_run
          WHERE scheduled_for >= $1 AND scheduled_for < $2 AND started_at IS NOT NULL
            AND status NOT IN ('skipped', 'missed')`,
        [new Date(from), new Date(to)],
      ),
    );
    const summary = summarizeFires(
      runs.map((run) => ({ key: run.key, latenessMs: Math.round(run.lateness) })),
      tasks * seconds,
    );
    return {
      tasks,
      seconds,
      createSeconds: Math.round(createSeconds * 10) / 10,
      createFailures: failures,
      ...summary,
      deleteMs: Math.round(deleteMs),
      passesInWindow,
      deadRows,
    };
  } finally {
    await database.drop();
  }
}

if (require.main === module)
  runBenchmark(() =>
    measureAfterApiTraffic(
      Number(option('tasks', '10000')),
      Number(option('seconds', '20')),
      Number(option('concurrency', '16')),
      databaseOption(),
    ),
  );
