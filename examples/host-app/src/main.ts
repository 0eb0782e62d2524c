import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { DomainError, ErrorCode, TaskSchedulerService } from 'scout-scheduler';
import { DigestModule, DigestScheduler, NewsService } from './digest.module.js';

/**
 * Starts DigestModule as a host app serving HTTP, lets it schedule a digest, and checks what a
 * host relies on. One line per check; exits 1 if any fails.
 */
const failures: string[] = [];

function check(name: string, passed: boolean, detail = ''): void {
  if (!passed) failures.push(name);
  console.log(`${passed ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

async function main(): Promise<void> {
  // A fresh embedded database for this run, unless the caller names a folder.
  const ownDataDir = !process.env.DATA_DIR;
  const dataDir = process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'scout-host-app-'));
  process.env.DATA_DIR = dataDir;
  const app = await NestFactory.create(DigestModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  try {
    const digests = app.get(DigestScheduler);
    const news = app.get(NewsService);
    const task = await digests.digestSoon('robotics');
    const finished = () => digests.seen.some((s) => s.event === 'task_finished' && s.taskId === task.id);
    await waitUntil(finished, 15_000);

    check('the digest handler ran with its injected NewsService', news.topicsDigested.includes('robotics'));
    // task_finished goes out at once; the run's final status is written behind (within ~10 ms).
    const scheduler = app.get(TaskSchedulerService);
    let run = (await scheduler.getTaskRuns(task.id)).items[0];
    for (let tries = 0; run?.status === 'running' && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = (await scheduler.getTaskRuns(task.id)).items[0];
    }
    check(
      'its run is recorded succeeded with the handler result',
      run?.status === 'succeeded' && JSON.stringify(run.result) === '{"topic":"robotics","headlines":3}',
      `${run?.status ?? 'no run'}: ${JSON.stringify(run?.result)}`,
    );
    for (const event of ['task_started', 'task_finished'] as const) {
      const arrived = digests.seen.some((s) => s.event === event && s.taskId === task.id);
      check(`${event} arrived through SchedulerEventEmitter`, arrived);
    }

    const refused = await app
      .get(TaskSchedulerService)
      .createTask({ name: 'no topic', handler: 'digest' })
      .then(
        () => null,
        (error: unknown) => error,
      );
    check(
      'a payload the handler refuses is a DomainError INVALID_INPUT',
      refused instanceof DomainError && refused.code === ErrorCode.InvalidInput,
      refused instanceof Error ? refused.message : 'accepted',
    );

    const answers: Array<[string, string, unknown, number]> = [
      ['POST', '/api/tasks', {}, 400],
      ['POST', '/api/tasks', { name: 'bad cron', schedule: 'cron:61 * * * *' }, 400],
      ['GET', '/api/tasks/not-a-uuid', undefined, 400],
      ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000', undefined, 404],
    ];
    for (const [method, path, body, expected] of answers) {
      const response = await fetch(base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const shown = body === undefined ? '' : ` ${JSON.stringify(body)}`;
      check(
        `${method} ${path}${shown} → ${expected}`,
        response.status === expected,
        `got ${response.status}`,
      );
    }

    // Without an apiKey the module serves loopback requests only: a page from another origin is refused.
    const foreign = await fetch(`${base}/api/tasks`, { headers: { origin: 'http://evil.example' } });
    check(
      'GET /api/tasks from a foreign Origin without an apiKey → 403',
      foreign.status === 403,
      `got ${foreign.status}`,
    );
  } finally {
    await app.close();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => {
    console.log(failures.length ? `${failures.length} check(s) failed` : 'all checks passed');
    process.exit(failures.length ? 1 : 0);
  },
  (error: unknown) => {
    console.error('the host app failed:', error);
    process.exit(2);
  },
);
