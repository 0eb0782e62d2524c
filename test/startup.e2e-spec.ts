import { readFileSync } from 'node:fs';
import { callApi } from './support/api-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { freePort, ServiceProcess } from './support/service-process';
import { waitFor } from './support/webhook-server';

const PASSWORD = 'never-log-me-7f3a';
// Tests run from the project root (jest rootDir).
const { version: VERSION } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

/** The JSON log line that says the service is ready. */
function readyLine(output: string): Record<string, unknown> | undefined {
  return output
    .split('\n')
    .filter((line) => line.includes('"ScoutScheduler"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => typeof line.msg === 'string' && line.msg.includes(' ready on '));
}

/**
 * Once ready, the built service logs one line saying where it listens, the database it uses (the
 * embedded folder, or the server without credentials), its instance id and its version.
 */
describe.each(DATABASE_KINDS)('start-up report on %s', (kind) => {
  let database: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const env: Record<string, string> = { ...database.env, LOG_LEVEL: 'info' };
    if (env.DATABASE_URL) {
      // The test server trusts loopback connections, so a password is accepted and unused.
      const url = new URL(env.DATABASE_URL);
      url.password = PASSWORD;
      env.DATABASE_URL = url.toString();
    }
    service = new ServiceProcess(env, await freePort());
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await database?.drop();
  });

  it('logs the address, the database, the instance id and the version once ready', async () => {
    const line = await waitFor(() => readyLine(service.output), 5_000, 'the ready line');
    const instances = await callApi<Array<{ id: string; self: boolean }>>(
      service.url,
      'GET',
      '/api/instances',
    );
    const self = instances.find((instance) => instance.self);

    expect(line).toMatchObject({ level: 30, url: service.url, instanceId: self?.id, version: VERSION });
    const where = String(line.database);
    if (kind === 'pglite') {
      expect(where).toBe(`embedded PostgreSQL (PGlite) in ${database.env.DATA_DIR}`);
    } else {
      const url = new URL(process.env.DATABASE_URL!);
      expect(where).toMatch(
        new RegExp(`^PostgreSQL server ${url.hostname}:${url.port || 5432}, database scout_test_`),
      );
    }
    expect(line.msg).toBe(
      `Scout Scheduler ${VERSION} ready on ${service.url} (no API key: loopback Host names only); database: ${where}; instance ${self?.id}`,
    );
  });

  it('never logs the password of DATABASE_URL', () => {
    expect(service.output).toContain(' ready on ');
    expect(service.output).not.toContain(PASSWORD);
  });
});
