/**
 * Start-up time: from spawning `node dist/main.js` to `/health` answering 200, five times each on
 * a fresh embedded database, on an existing one, and on PostgreSQL (DATABASE_URL's server, a
 * fresh database). Usage: npm run bench:startup -- [--runs 5]
 */
import { createTestDatabase } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5) || 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timeStart(env: Record<string, string>): Promise<number> {
  const service = new ServiceProcess({ ...env, LOG_LEVEL: 'warn' }, await freePort());
  const began = performance.now();
  await service.start();
  const elapsed = performance.now() - began;
  await service.kill('SIGTERM');
  return Math.round(elapsed);
}

async function measure(label: string, kind: 'pglite' | 'postgres', fresh: boolean): Promise<void> {
  const times: number[] = [];
  let database = await createTestDatabase(kind);
  for (let run = 0; run < runs; run++) {
    if (fresh && run > 0) {
      await database.drop();
      database = await createTestDatabase(kind);
    }
    times.push(await timeStart(database.env));
  }
  await database.drop();
  process.stdout.write(`${JSON.stringify({ label, medianMs: median(times), times })}\n`);
}

async function main(): Promise<void> {
  await measure('embedded PGlite, first start (creates the database)', 'pglite', true);
  await measure('embedded PGlite, existing database', 'pglite', false);
  if (process.env.DATABASE_URL) await measure('PostgreSQL', 'postgres', false);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
