/**
 * REST: schedule creation (`POST /api/tasks` with a schedule) under autocannon's load, 16
 * connections: requests/s and latency, and that every request was answered 201.
 * Usage: npm run bench:api -- [--seconds 10] [--connections 16] [--db pglite|postgres]
 */
import autocannon from 'autocannon';
import { databaseOption, option, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
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
    const result = await autocannon({
      url: `${service.url}/api/tasks`,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { 'content-type': 'application/json' },
      // Far from firing during the run: this measures creation, not execution.
      body: JSON.stringify({ name: 'bench task', schedule: 'cron:0 3 * * *', payload: { n: 1 } }),
    });
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
