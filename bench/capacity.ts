/**
 * Capacity: many stored schedules, seeded by SQL, then the service started on them. Measures the
 * time from spawning the process to `/health` answering (ready) and to its first planning pass
 * (every fire due within the horizon claimed and armed: `scout_planning_passes` ≥ 1), the RSS,
 * and whether the fires of the following seconds ran on time (lateness, missed).
 * Usage: npm run bench:capacity -- [--schedules 100000] [--period hourly|daily] [--db pglite|postgres]
 */
import { databaseOption, option, percentile, runBenchmark } from './bench-args';
import { BenchDatabase } from './bench-database';
import { migrate, seedTasks } from './fire-accuracy';
import { rssMb } from './process-stats';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface CapacityResult {
  schedules: number;
  period: 'hourly' | 'daily';
  readyMs: number;
  armedMs: number;
  rssMb: number;
  /** Fires due in the observed seconds after the first pass, how many ran, and their lateness. */
  due: number;
  ran: number;
  p99: number;
}

/** Seconds observed after the first planning pass. */
const OBSERVE_SECONDS = 10;

/** Spread over the period: schedule i fires at second i of the hour (or day), modulo its length. */
function spreadSpec(period: 'hourly' | 'daily'): {
  spec: (i: string) => string;
  nextRunAt: (i: string) => string;
} {
  const length = period === 'hourly' ? 3600 : 86400;
  const unit = period === 'hourly' ? 'hour' : 'day';
  const offset = (i: string) => `(${i} % ${length})`;
  return {
    spec: (i) =>
      period === 'hourly'
        ? `'cron:' || (${offset(i)} % 60) || ' ' || (${offset(i)} / 60) || ' * * * *'`
        : `'cron:' || (${offset(i)} % 60) || ' ' || (${offset(i)} / 60 % 60) || ' ' || (${offset(i)} / 3600) || ' * * *'`,
    // The next instant from now (those passing before the service is up are its misfires).
    nextRunAt: (i) => {
      const slot = `date_trunc('${unit}', now()) + ${offset(i)} * interval '1 second'`;
      return `CASE WHEN ${slot} > now() THEN ${slot} ELSE ${slot} + interval '1 ${unit}' END`;
    },
  };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((response) => response.text());
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

export async function measureCapacity(
  schedules: number,
  period: 'hourly' | 'daily',
  kind: DatabaseKind,
): Promise<CapacityResult> {
  const database = await BenchDatabase.create(kind);
  try {
    await migrate(database);
    await database.session(async (query) => {
      await seedTasks(query, schedules, spreadSpec(period));
      await query('VACUUM ANALYZE');
    });
    const service = new ServiceProcess(
      { ...database.env, LOG_LEVEL: 'warn', METRICS_ENABLED: 'true' },
      await freePort(),
    );
    const began = performance.now();
    await service.start();
    const readyMs = performance.now() - began;
    while (!((await metric(service.url, 'scout_planning_passes')) >= 1)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const armedMs = performance.now() - began;
    const from = Math.ceil(Date.now() / 1000) * 1000;
    const to = from + OBSERVE_SECONDS * 1000;
    await new Promise((resolve) => setTimeout(resolve, to - Date.now() + 1000));
    const rss = rssMb(service.pid);
    await service.kill('SIGTERM');
    const lateness = await database.session(async (query) =>
      (
        await query<{ lateness: number }>(
          `SELECT (extract(epoch FROM started_at - scheduled_for) * 1000)::float8 AS lateness
             FROM task_run WHERE started_at IS NOT NULL AND scheduled_for >= $1 AND scheduled_for < $2`,
          [new Date(from), new Date(to)],
        )
      )
        .map((row) => Number(row.lateness))
        .sort((a, b) => a - b),
    );
    return {
      schedules,
      period,
      readyMs: Math.round(readyMs),
      armedMs: Math.round(armedMs),
      rssMb: rss,
      due: expectedFires(schedules, period === 'hourly' ? 3600 : 86400, from, to),
      ran: lateness.length,
      p99: percentile(lateness, 99) ?? NaN,
    };
  } finally {
    await database.drop();
  }
}

/** Schedule i fires at second (i mod length) of each UTC hour or day: those due in [from, to). */
function expectedFires(schedules: number, length: number, from: number, to: number): number {
  let due = 0;
  for (let at = from; at < to; at += 1000) {
    const offset = (at / 1000) % length;
    if (offset < schedules) due += Math.floor((schedules - 1 - offset) / length) + 1;
  }
  return due;
}

if (require.main === module)
  runBenchmark(() =>
    measureCapacity(
      Number(option('schedules', '100000')),
      option('period', 'hourly') as 'hourly' | 'daily',
      databaseOption(),
    ),
  );
