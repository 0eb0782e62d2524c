/**
 * Event delivery latency: N schedules firing every second (`cron:* * * * * *`, noop handler,
 * seeded by SQL) and C Socket.IO clients in this process; latency = client receive time − the
 * run's `startedAt`, for every `task_started` in a window of whole seconds after a warm-up.
 * Client and server share this machine's clock.
 * Usage: npm run bench:events -- [--tasks 1000] [--clients 10] [--seconds 20] [--db pglite|postgres]
 */
import { io, Socket } from 'socket.io-client';
import { databaseOption, option, percentile, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
import { migrate, seedEverySecond, WARMUP_SECONDS } from './fire-accuracy';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface EventResult {
  tasks: number;
  clients: number;
  events: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  /** Every event the clients decoded in the window (all five kinds), and their CPU time per one. */
  received: number;
  clientCpuUsPerEvent: number;
}

export async function measureEvents(
  tasks: number,
  clientCount: number,
  seconds: number,
  kind: DatabaseKind,
): Promise<EventResult> {
  const database = await BenchDatabase.create(kind);
  const service = new ServiceProcess(
    { ...database.env, LOG_LEVEL: 'warn', SCHEDULER_MAX_CONCURRENT_RUNS: String(tasks * 2) },
    await freePort(),
    serviceNodeArgs(),
  );
  const clients: Socket[] = [];
  try {
    await migrate(database);
    await database.session((query) => seedEverySecond(query, tasks));
    await service.start();
    // As long a warm-up as the fire accuracy's: the first seconds after start-up are not the steady state.
    const from = Math.ceil(Date.now() / 1000) * 1000 + WARMUP_SECONDS * 1000;
    const to = from + seconds * 1000;
    const latencies: number[] = [];
    let received = 0;
    let cpuAtFrom: NodeJS.CpuUsage | null = null;
    let cpuWindow: NodeJS.CpuUsage | null = null;
    for (let index = 0; index < clientCount; index++) {
      const socket = io(service.url, { transports: ['websocket'], reconnection: false });
      socket.on('task_started', (event: { scheduledFor: string; startedAt: string }) => {
        const receivedAt = Date.now();
        const scheduledFor = Date.parse(event.scheduledFor);
        if (scheduledFor >= from && scheduledFor < to)
          latencies.push(receivedAt - Date.parse(event.startedAt));
      });
      socket.onAny(() => {
        if (cpuAtFrom && !cpuWindow) received++;
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      clients.push(socket);
    }
    // The clients' own share: this process does nothing else in the window but decode events.
    await new Promise((resolve) => setTimeout(resolve, from - Date.now()));
    cpuAtFrom = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, to - Date.now()));
    cpuWindow = process.cpuUsage(cpuAtFrom);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    latencies.sort((a, b) => a - b);
    return {
      tasks,
      clients: clientCount,
      events: latencies.length,
      expected: tasks * clientCount * seconds,
      p50: percentile(latencies, 50) ?? NaN,
      p99: percentile(latencies, 99) ?? NaN,
      max: latencies[latencies.length - 1] ?? NaN,
      received,
      clientCpuUsPerEvent:
        Math.round(((cpuWindow.user + cpuWindow.system) / Math.max(1, received)) * 10) / 10,
    };
  } finally {
    for (const socket of clients) socket.disconnect();
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
    ),
  );
