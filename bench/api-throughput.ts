/**
 * REST: schedule creation (`POST /api/tasks` with a schedule) under autocannon's load, 16
 * connections: requests/s and latency, and that every request was answered 201. Also the CPU
 * each request costs the service, the PostgreSQL server (its processes on this host) and
 * autocannon (this process), and what that allows on this machine's cores at best.
 * Usage: npm run bench:api -- [--seconds 10] [--connections 16] [--db pglite|postgres]
 */
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { databaseOption, option, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
import { cpuTimeByName, cpuTimeMs, cpuTimeSince } from './process-stats';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface ApiResult {
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  created: number;
  /** CPU µs per request: the service's process; PostgreSQL's (null: embedded, inside the service); autocannon's. */
  serviceCpuUs: number;
  databaseCpuUs: number | null;
  clientCpuUs: number;
  /** Requests/s if all of this machine's cores did nothing but these three, perfectly shared. */
  coresCeiling: number;
}

export async function measureApi(
  seconds: number,
  connections: number,
  kind: DatabaseKind,
): Promise<ApiResult> {
  const database = await BenchDatabase.create(kind);
  const service = new ServiceProcess(
    { ...database.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' },
    await freePort(),
    serviceNodeArgs(),
  );
  try {
    await service.start();
    const serviceCpu = cpuTimeMs(service.pid);
    const databaseCpu = cpuTimeByName('postgres');
    const clientCpu = process.cpuUsage();
    const result = await autocannon({
      url: `${service.url}/api/tasks`,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { 'content-type': 'application/json' },
      // Far from firing during the run: this measures creation, not execution.
      body: JSON.stringify({ name: 'bench task', schedule: 'cron:0 3 * * *', payload: { n: 1 } }),
    });
    const served = result.requests.total;
    const perRequest = (ms: number) => Math.round((ms / served) * 1000);
    const usedByClient = process.cpuUsage(clientCpu);
    const cpu = {
      serviceCpuUs: perRequest(cpuTimeMs(service.pid) - serviceCpu),
      databaseCpuUs:
        kind === 'postgres' && databaseCpu.size > 0
          ? perRequest(cpuTimeSince(databaseCpu, cpuTimeByName('postgres')))
          : null,
      clientCpuUs: perRequest((usedByClient.user + usedByClient.system) / 1000),
    };
    const perRequestUs = cpu.serviceCpuUs + (cpu.databaseCpuUs ?? 0) + cpu.clientCpuUs;
    await service.kill('SIGTERM');
    const [row] = await database.session((query) =>
      query<{ count: number }>('SELECT count(*)::int AS count FROM schedule'),
    );
    return {
      connections,
      requestsPerSecond: Math.round(result.requests.average),
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      created: row.count,
      ...cpu,
      coresCeiling: Math.round((availableParallelism() * 1_000_000) / perRequestUs),
    };
  } finally {
    await service.kill('SIGTERM');
    await database.drop();
  }
}

if (require.main === module)
  runBenchmark(() =>
    measureApi(Number(option('seconds', '10')), Number(option('connections', '16')), databaseOption()),
  );
