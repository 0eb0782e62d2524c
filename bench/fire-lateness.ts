/**
 * Fire lateness of the running service: N tasks scheduled `cron:* * * * * *` for a window of
 * whole seconds, every run persisted; lateness = startedAt − scheduledFor as recorded in the
 * runs. Usage: npm run bench:lateness -- [--tasks 100] [--seconds 60] [--db pglite|postgres]
 * [--instances 1] [--max-concurrent 100] (postgres uses DATABASE_URL's server, in a database of its own; several
 * instances need postgres).
 */
import { option, percentile } from './bench-args';
import { callApi, RunView } from '../test/support/api-client';
import { createTestDatabase, DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

async function main(): Promise<void> {
  const tasks = Number(option('tasks', '100'));
  const seconds = Number(option('seconds', '60'));
  const kind = option('db', process.env.DATABASE_URL ? 'postgres' : 'pglite') as DatabaseKind;
  const instances = Number(option('instances', '1'));
  // Fires over the per-instance cap wait (by design); raise it to measure the scheduler itself.
  const maxConcurrent = option('max-concurrent', '100');
  const database = await createTestDatabase(kind);
  const services: ServiceProcess[] = [];
  for (let index = 0; index < instances; index++) {
    services.push(
      new ServiceProcess(
        {
          ...database.env,
          LOG_LEVEL: 'warn',
          RATE_LIMIT_PER_MINUTE: '1000000',
          SCHEDULER_MAX_CONCURRENT_RUNS: maxConcurrent,
        },
        await freePort(),
      ),
    );
  }
  const [service] = services;
  try {
    for (const instance of services) await instance.start();
    const ids: string[] = [];
    for (let index = 0; index < tasks; index++) {
      const task = await callApi<{ id: string }>(service.url, 'POST', '/api/tasks', {
        name: `bench ${index}`,
        schedule: 'cron:* * * * * *',
      });
      ids.push(task.id);
    }
    // The window: whole seconds after a 2 s warm-up.
    const from = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    const to = from + seconds * 1000;
    await new Promise((resolve) => setTimeout(resolve, to - Date.now() + 2000));
    for (const id of ids) await callApi(service.url, 'DELETE', `/api/tasks/${id}/schedule`);

    const lateness: number[] = [];
    const statuses = new Map<string, number>();
    const byInstance = new Map<string, number>();
    let duplicates = 0;
    let missing = 0;
    for (const id of ids) {
      const { items } = await callApi<{ items: RunView[] }>(
        service.url,
        'GET',
        `/api/tasks/${id}/runs?limit=500`,
      );
      const inWindow = items.filter((run) => {
        const at = Date.parse(run.scheduledFor);
        return at >= from && at < to;
      });
      const instants = new Set(inWindow.map((run) => run.scheduledFor));
      duplicates += inWindow.length - instants.size;
      missing += seconds - instants.size;
      for (const run of inWindow) {
        statuses.set(run.status, (statuses.get(run.status) ?? 0) + 1);
        const instance = run.instanceId ?? 'none';
        byInstance.set(instance, (byInstance.get(instance) ?? 0) + 1);
        if (run.startedAt) lateness.push(Date.parse(run.startedAt) - Date.parse(run.scheduledFor));
      }
    }
    lateness.sort((a, b) => a - b);
    const result = {
      database: kind,
      instances,
      runsPerInstance: [...byInstance.values()],
      tasks,
      seconds,
      runs: lateness.length,
      statuses: Object.fromEntries(statuses),
      missing,
      duplicates,
      latenessMs: {
        p50: percentile(lateness, 50),
        p90: percentile(lateness, 90),
        p99: percentile(lateness, 99),
        max: lateness[lateness.length - 1],
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.all(services.map((instance) => instance.kill('SIGTERM')));
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
