/**
 * Event delivery latency: N schedules firing every second (`cron:* * * * * *`, noop handler,
 * seeded by SQL) and C Socket.IO clients, each in a process of its own (`event-client.ts`);
 * latency = client receive time − the run's `startedAt`, for every `task_started` in a window of
 * whole seconds after a warm-up. Client and server share this machine's clock.
 * `--batch` makes the clients subscribe to the batched stream (`subscribe {batch: true}`).
 * Usage: npm run bench:events -- [--tasks 1000] [--clients 10] [--seconds 20] [--batch] [--db pglite|postgres]
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { databaseOption, option, percentile, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
import type { ClientJob, ClientReport, ClientWindow } from './event-client';
import { migrate, seedEverySecond, WARMUP_SECONDS } from './fire-accuracy';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface EventResult {
  tasks: number;
  clients: number;
  batch: boolean;
  events: number;
  expected: number;
  /** Over every client's `task_started` of the window together. */
  p50: number;
  p99: number;
  max: number;
  /** Each client's own p99: the best and the worst client. */
  clientP99Min: number;
  clientP99Max: number;
  /** Every event the clients decoded in the window (all five kinds), and their CPU time per one. */
  received: number;
  clientCpuUsPerEvent: number;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

/** Forks one client process; resolves once it is connected (and subscribed), with its report to come. */
interface Client {
  report: Promise<ClientReport>;
  measure: (window: ClientWindow) => void;
  kill: () => void;
}

async function startClient(job: ClientJob): Promise<Client> {
  const child = fork(join(__dirname, 'event-client.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`event client exited with ${code}`))),
  );
  const report = new Promise<ClientReport>((resolve, reject) => {
    child.on('message', (message: ClientReport | { connected: true }) => {
      if ('latencies' in message) resolve(message);
    });
    exited.catch(reject);
  });
  const connected = new Promise<void>((resolve) =>
    child.on('message', (message: { connected?: true }) => {
      if (message.connected) resolve();
    }),
  );
  child.send(job);
  await Promise.race([connected, exited]);
  return { report, measure: (window) => child.send(window), kill: () => child.kill() };
}

export async function measureEvents(
  tasks: number,
  clientCount: number,
  seconds: number,
  kind: DatabaseKind,
  batch = false,
): Promise<EventResult> {
  const database = await BenchDatabase.create(kind);
  const service = new ServiceProcess(
    { ...database.env, LOG_LEVEL: 'warn', SCHEDULER_MAX_CONCURRENT_RUNS: String(tasks * 2) },
    await freePort(),
    serviceNodeArgs(),
  );
  const clients: Client[] = [];
  try {
    await migrate(database);
    await database.session((query) => seedEverySecond(query, tasks));
    await service.start();
    // As long a warm-up as the fire accuracy's: the first seconds after start-up are not the
    // steady state. And every client connected first (on a loaded machine that can take longer).
    const warm = Math.ceil(Date.now() / 1000) * 1000 + WARMUP_SECONDS * 1000;
    const job: ClientJob = { url: service.url, batch };
    clients.push(...(await Promise.all(Array.from({ length: clientCount }, () => startClient(job)))));
    const from = Math.max(warm, Math.ceil(Date.now() / 1000) * 1000 + 2_000);
    for (const client of clients) client.measure({ from, to: from + seconds * 1000 });
    const reports = await Promise.all(clients.map((client) => client.report));
    const latencies = sorted(reports.flatMap((report) => report.latencies));
    const clientP99s = reports.map((report) => percentile(sorted(report.latencies), 99) ?? NaN);
    const received = reports.reduce((sum, report) => sum + report.received, 0);
    const cpuUs = reports.reduce((sum, report) => sum + report.cpuUs, 0);
    return {
      tasks,
      clients: clientCount,
      batch,
      events: latencies.length,
      expected: tasks * clientCount * seconds,
      p50: percentile(latencies, 50) ?? NaN,
      p99: percentile(latencies, 99) ?? NaN,
      max: latencies[latencies.length - 1] ?? NaN,
      clientP99Min: Math.min(...clientP99s),
      clientP99Max: Math.max(...clientP99s),
      received,
      clientCpuUsPerEvent: Math.round((cpuUs / Math.max(1, received)) * 10) / 10,
    };
  } finally {
    for (const client of clients) client.kill();
    await service.kill('SIGTERM');
    await database.drop();
  }
}

if (require.main === module)
  runBenchmark(() =>
    measureEvents(
      Number(option('tasks', '1000')),
      Number(option('clients', '10')),
      Number(option('seconds', '20')),
      databaseOption(),
      process.argv.includes('--batch'),
    ),
  );
