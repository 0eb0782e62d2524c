import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import type { TaskRunView as RunView, TaskView } from '../src/api/contract';
import { callApi } from './support/api-client';
import { freePort, ServiceProcess } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { waitFor } from './support/webhook-server';

/**
 * One process per embedded data folder: a second `npm start` on the same DATA_DIR exits at once
 * with one line naming the folder and the process holding it, and the first goes on untouched.
 * (Embedded only: with DATABASE_URL there is no data folder, and instances share the server.)
 */
jest.setTimeout(90_000);

/** Runs the built service to its exit (it is expected to refuse to start). */
function runToExit(env: Record<string, string>, port: number) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL' && name !== 'DATA_DIR'),
  );
  const started = Date.now();
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'main.js')], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string; elapsedMs: number }>((resolve) =>
    child.once('close', (code) => resolve({ code, output, elapsedMs: Date.now() - started })),
  );
}

describe('the embedded data folder lock', () => {
  let database: TestDatabase;
  let first: ServiceProcess;
  let third: ServiceProcess | null = null;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    first = new ServiceProcess(database.env, await freePort());
    await first.start();
  });

  afterAll(async () => {
    await first?.kill();
    await third?.kill();
    await database?.drop();
  });

  it('a second process on the same DATA_DIR exits at once with one line naming the folder and the holder', async () => {
    const dataDir = database.env.DATA_DIR;
    const task = await callApi<TaskView>(first.url, 'POST', '/api/tasks', {
      name: 'before the second start',
    });

    const second = await runToExit(database.env, await freePort());

    expect(second.code).not.toBe(0);
    expect(second.elapsedMs).toBeLessThan(10_000);
    const lines = second.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^Scout Scheduler could not start: the data folder ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ` +
          `is in use by another Scout Scheduler \\(pid ${first.pid} on [^,]+, since [^)]+\\); ` +
          'stop it or set another DATA_DIR',
      ),
    );

    // The first goes on: health, reads, writes and runs.
    const health = await fetch(`${first.url}/health`);
    expect(health.status).toBe(200);
    expect((await callApi<TaskView>(first.url, 'GET', `/api/tasks/${task.id}`)).name).toBe(
      'before the second start',
    );
    const run = await callApi<RunView>(first.url, 'POST', `/api/tasks/${task.id}/run`);
    await waitFor(async () => {
      const { items } = await callApi<{ items: RunView[] }>(first.url, 'GET', `/api/tasks/${task.id}/runs`);
      return items.find((item) => item.id === run.id && item.status === 'succeeded');
    });
  });

  it('a lock left by a killed process is taken over; a clean shutdown removes it', async () => {
    const lockFile = join(database.env.DATA_DIR, 'scout.lock');
    expect(existsSync(lockFile)).toBe(true);
    await first.kill('SIGKILL');
    expect(existsSync(lockFile)).toBe(true);

    third = new ServiceProcess(database.env, await freePort());
    await third.start();
    const { items } = await callApi<{ items: TaskView[] }>(third.url, 'GET', '/api/tasks');
    expect(items.map((task) => task.name)).toEqual(['before the second start']);

    await third.kill('SIGTERM');
    expect(existsSync(lockFile)).toBe(false);
  });
});
