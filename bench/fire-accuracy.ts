/**
 * Fire accuracy: N tasks on `cron:* * * * * *` with the `noop` handler, a window of whole seconds
 * after a warm-up; lateness = startedAt − scheduledFor of the stored runs; missed and duplicate
 * fires per (task, second); the service's CPU % and peak RSS over the window. The peers (`cron`,
 * `croner`) run the same jobs in a process of their own and record the same way.
 * Usage: npm run bench:fires -- [--tasks 1000] [--seconds 20] [--system scout|cron|croner]
 * [--db pglite|postgres] [--instances 1] [--per-second]
 * `--per-second` prints each second's median and latest start (stderr): whether a high p99 is one
 * group that started late as a whole, or the tail of every group.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { databaseOption, option, percentile, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase, Query } from './bench-database';
import { FireSummary, summarizeFires } from './fire-summary';
import { ProcessWatch } from './process-stats';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface FireResult extends FireSummary {
  system: string;
  tasks: number;
  seconds: number;
  /** Runs stored with status `succeeded` (for the peers: not applicable, they store nothing). */
  persisted: number | null;
  cpuPercent: number;
  rssMb: number;
}

/**
 * Seconds between start-up and the measured window, for every system alike. At 10,000 fires a
 * second Scout takes a few seconds after start-up to settle (JIT, the database's caches, the first
 * claims of 20,000 fires); the window measures the steady state.
 */
export const WARMUP_SECONDS = 10;
/** Seconds from seeding to the first fire: more than the service takes to start. */
const FIRST_FIRE_SECONDS = 5;
export const sleepUntil = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** The benchmark's tasks, by SQL: `count` tasks with `noop` handlers and one schedule each. */
export async function seedTasks(
  query: Query,
  count: number,
  schedule: { spec: (i: string) => string; nextRunAt: (i: string) => string },
): Promise<void> {
  await query(
    `INSERT INTO task (name, handler) SELECT 'bench ' || i, 'noop' FROM generate_series(1, ${count}) AS i`,
  );
  await query(
    `INSERT INTO schedule (task_id, spec, type, timezone, scheduled_at, next_run_at,
                           misfire_policy, misfire_grace_seconds, overlap_policy)
     SELECT id, ${schedule.spec('i')}, 'cron', 'UTC', now(), ${schedule.nextRunAt('i')},
            'run_once', 60, 'skip'
       FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM task) AS numbered`,
  );
}

/**
 * `count` tasks on `cron:* * * * * *`. They are seeded while the service is down (PGlite has one
 * process), so the first fire is set past the service's start-up, as if the tasks had been
 * created while it ran: a first fire already past would make every task a misfire at start.
 */
export const seedEverySecond = (query: Query, count: number): Promise<void> =>
  seedTasks(query, count, {
    spec: () => `'cron:* * * * * *'`,
    nextRunAt: () => `date_trunc('second', now()) + interval '${FIRST_FIRE_SECONDS} seconds'`,
  });

/** Creates the schema the way a user would: by starting the service once on the empty database. */
export async function migrate(database: BenchDatabase): Promise<void> {
  const service = new ServiceProcess(database.env, await freePort());
  await service.start();
  await service.kill('SIGTERM');
}

export function serviceEnv(database: BenchDatabase, maxConcurrent: number): Record<string, string> {
  return {
    ...database.env,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Every fire of an instant starts at once: the cap is about the handlers, not the scheduler.
    SCHEDULER_MAX_CONCURRENT_RUNS: String(maxConcurrent),
  };
}

function printPerSecond(runs: Array<{ key: string; lateness: number | null }>): void {
  const bySecond = new Map<string, number[]>();
  for (const run of runs) {
    const second = run.key.slice(run.key.indexOf('@') + 1);
    let values = bySecond.get(second);
    if (!values) bySecond.set(second, (values = []));
    values.push(Math.round(run.lateness!));
  }
  for (const [second, values] of [...bySecond].sort(([a], [b]) => a.localeCompare(b))) {
    values.sort((a, b) => a - b);
    const p50 = percentile(values, 50);
    process.stderr.write(`${second}  fires ${values.length}  p50 ${p50} ms  max ${values.at(-1)} ms\n`);
  }
}

export async function measureScoutFires(
  tasks: number,
  seconds: number,
  kind: DatabaseKind,
  instances = 1,
): Promise<FireResult> {
  const database = await BenchDatabase.create(kind);
  try {
    await migrate(database);
    await database.session((query) => seedEverySecond(query, tasks));
    const services: ServiceProcess[] = [];
    for (let index = 0; index < instances; index++) {
      services.push(new ServiceProcess(serviceEnv(database, tasks * 2), await freePort(), serviceNodeArgs()));
    }
    await Promise.all(services.map((service) => service.start()));
    const from = Math.ceil(Date.now() / 1000) * 1000 + WARMUP_SECONDS * 1000;
    const to = from + seconds * 1000;
    await sleepUntil(from);
    const watches = services.map((service) => new ProcessWatch(service.pid));
    await sleepUntil(to);
    const usage = watches.map((watch) => watch.stop());
    // Let the window's last runs finish; SIGTERM drains and writes every final status.
    await sleepUntil(to + 1_500);
    await Promise.all(services.map((service) => service.kill('SIGTERM')));
    const runs = await database.session((query) =>
      query<{ key: string; status: string; lateness: number | null }>(
        `SELECT schedule_id || '@' || scheduled_for AS key, status,
                (extract(epoch FROM started_at - scheduled_for) * 1000)::float8 AS lateness
           FROM task_run WHERE scheduled_for >= $1 AND scheduled_for < $2`,
        [new Date(from), new Date(to)],
      ),
    );
    const started = runs.filter((run) => run.lateness !== null);
    if (process.argv.includes('--per-second')) printPerSecond(started);
    return {
      system: instances > 1 ? `scout ×${instances}` : 'scout',
      tasks,
      seconds,
      ...summarizeFires(
        started.map((run) => ({ key: run.key, latenessMs: Math.round(run.lateness!) })),
        tasks * seconds,
      ),
      persisted: runs.filter((run) => run.status === 'succeeded').length,
      cpuPercent: usage.reduce((sum, one) => sum + one.cpuPercent, 0),
      rssMb: usage.reduce((sum, one) => sum + one.rssMb, 0),
    };
  } finally {
    await database.drop();
  }
}

export async function measurePeerFires(
  lib: 'cron' | 'croner',
  jobs: number,
  seconds: number,
): Promise<FireResult> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join('bench', 'peer-fires.ts'),
      '--lib',
      lib,
      '--jobs',
      String(jobs),
      '--seconds',
      String(seconds),
      '--warmup',
      String(WARMUP_SECONDS),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const lines = createInterface({ input: child.stdout });
  let watch: ProcessWatch | null = null;
  let usage = { cpuPercent: NaN, rssMb: NaN };
  for await (const line of lines) {
    if (line.startsWith('window ')) {
      const [from, to] = line.split(' ').slice(1).map(Number);
      void sleepUntil(from).then(() => {
        watch = new ProcessWatch(child.pid!);
        return sleepUntil(to).then(() => (usage = watch!.stop()));
      });
    } else {
      const summary = JSON.parse(line) as FireSummary;
      return { system: lib, tasks: jobs, seconds, ...summary, persisted: null, ...usage };
    }
  }
  throw new Error(`${lib} peer exited without results (exit code ${child.exitCode})`);
}

async function main(): Promise<FireResult> {
  const tasks = Number(option('tasks', '1000'));
  const seconds = Number(option('seconds', '20'));
  const system = option('system', 'scout');
  return system === 'scout'
    ? measureScoutFires(tasks, seconds, databaseOption(), Number(option('instances', '1')))
    : measurePeerFires(system as 'cron' | 'croner', tasks, seconds);
}

if (require.main === module) runBenchmark(main);
