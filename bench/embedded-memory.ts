/**
 * Embedded memory: the service's RSS on the embedded database (PGlite, no DATABASE_URL). Right
 * after a first start on an empty folder (the database is created), right after a start on an
 * existing database holding `--tasks` schedules that fire each second, and over `--seconds` of
 * that firing (peak and last sample).
 * Usage: npm run bench:memory -- [--tasks 1000] [--seconds 30]
 */
import { option, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
import { migrate, seedEverySecond, serviceEnv, sleepUntil } from './fire-accuracy';
import { rssMb } from './process-stats';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface EmbeddedMemoryResult {
  tasks: number;
  seconds: number;
  /** RSS once `/health` answers on a new, empty folder (the first start creates the database). */
  firstStartMb: number;
  /** RSS once `/health` answers on the existing database with the tasks. */
  startMb: number;
  /** Peak and last RSS over the seconds of firing. */
  firingPeakMb: number;
  firingEndMb: number;
  /** The fires stored in the window (tasks × seconds expected, less the first second's). */
  stored: number;
}

async function firstStartRss(): Promise<number> {
  const database = await BenchDatabase.create('pglite');
  try {
    const service = new ServiceProcess(database.env, await freePort(), serviceNodeArgs());
    await service.start();
    const rss = rssMb(service.pid);
    await service.kill('SIGTERM');
    return rss;
  } finally {
    await database.drop();
  }
}

export async function measureEmbeddedMemory(tasks: number, seconds: number): Promise<EmbeddedMemoryResult> {
  const firstStartMb = await firstStartRss();
  const database = await BenchDatabase.create('pglite');
  try {
    await migrate(database);
    await database.session((query) => seedEverySecond(query, tasks));
    const service = new ServiceProcess(serviceEnv(database, tasks * 2), await freePort(), serviceNodeArgs());
    await service.start();
    const startMb = rssMb(service.pid);
    const from = Date.now();
    const to = from + seconds * 1000;
    let peak = startMb;
    let last = startMb;
    while (Date.now() < to) {
      await sleepUntil(Math.min(to, Date.now() + 200));
      last = rssMb(service.pid);
      peak = Math.max(peak, last);
    }
    await service.kill('SIGTERM');
    const [{ count }] = await database.session((query) =>
      query<{ count: string }>(`SELECT count(*) FROM task_run WHERE status = 'succeeded'`),
    );
    return {
      tasks,
      seconds,
      firstStartMb,
      startMb,
      firingPeakMb: peak,
      firingEndMb: last,
      stored: Number(count),
    };
  } finally {
    await database.drop();
  }
}

if (require.main === module)
  runBenchmark(() => measureEmbeddedMemory(Number(option('tasks', '1000')), Number(option('seconds', '30'))));
