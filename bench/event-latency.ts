/**
 * Event delivery latency: N schedules firing every second (`cron:* * * * * *`, noop handler) and
 * C Socket.IO clients; latency = client receive time − the run's `startedAt` for every
 * `task_started`. Usage: npm run bench:events -- [--tasks 100] [--clients 10] [--seconds 20]
 * [--db pglite|postgres]. Client and server share this machine's clock.
 */
import { io, Socket } from 'socket.io-client';
import { option, percentile } from './bench-args';
import { callApi } from '../test/support/api-client';
import { createTestDatabase, DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

async function main(): Promise<void> {
  const tasks = Number(option('tasks', '100'));
  const clientCount = Number(option('clients', '10'));
  const seconds = Number(option('seconds', '20'));
  const kind = option('db', process.env.DATABASE_URL ? 'postgres' : 'pglite') as DatabaseKind;
  const database = await createTestDatabase(kind);
  const service = new ServiceProcess(
    { ...database.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' },
    await freePort(),
  );
  const clients: Socket[] = [];
  try {
    await service.start();
    const latencies: number[] = [];
    let measuring = false;
    for (let index = 0; index < clientCount; index++) {
      const socket = io(service.url, { transports: ['websocket'], reconnection: false });
      socket.on('task_started', (event: { startedAt: string }) => {
        if (measuring) latencies.push(Date.now() - Date.parse(event.startedAt));
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      clients.push(socket);
    }
    const ids: string[] = [];
    for (let index = 0; index < tasks; index++) {
      const task = await callApi<{ id: string }>(service.url, 'POST', '/api/tasks', {
        name: `events ${index}`,
        schedule: 'cron:* * * * * *',
      });
      ids.push(task.id);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    measuring = true;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    measuring = false;
    for (const id of ids) await callApi(service.url, 'DELETE', `/api/tasks/${id}/schedule`);
    latencies.sort((a, b) => a - b);
    const result = {
      database: kind,
      tasks,
      clients: clientCount,
      seconds,
      events: latencies.length,
      expected: tasks * clientCount * seconds,
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1],
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const socket of clients) socket.disconnect();
    await service.kill('SIGTERM');
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
