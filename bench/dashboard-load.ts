/**
 * The dashboard under load: N schedules firing every second (`cron:* * * * * *`, noop handler,
 * seeded by SQL; 1,000 → 1,000 fires/s and 2,000 events/s), the built service, and the page open
 * in Debian's Chromium (playwright-core). Over a window of whole seconds after a warm-up, the
 * browser's own timeline says how the page keeps up: frames per second (requestAnimationFrame),
 * and long tasks (PerformanceObserver `longtask`: the longest, how many, and the total blocking
 * time, each task's time over 50 ms).
 * Usage: npm run bench -- --only dashboard [--db pglite|postgres]
 */
import type { Browser } from 'playwright-core';
import { databaseOption, option, runBenchmark, serviceNodeArgs } from './bench-args';
import { BenchDatabase } from './bench-database';
import { migrate, seedEverySecond, serviceEnv, WARMUP_SECONDS } from './fire-accuracy';
import { launchChromium } from '../test/support/browser';
import { DatabaseKind } from '../test/support/test-database';
import { freePort, ServiceProcess } from '../test/support/service-process';

export interface DashboardResult {
  tasks: number;
  seconds: number;
  fps: number;
  longTasks: number;
  longestTaskMs: number;
  totalBlockingMs: number;
  /** What the page's header showed at the end (its own count of `task_started` over 5 s). */
  shownFiresPerSecond: number;
  /** Whether the service sent `events_batch` (else the client coalesced single events). */
  batched: boolean;
}

/** Installed before the page's scripts: records frames and long tasks (a string: no DOM types here). */
const TIMELINE = `
  window.__bench = { frames: [], longTasks: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__bench.longTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: 'longtask', buffered: true });
  const frame = (time) => { window.__bench.frames.push(time); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
`;

export async function measureDashboard(
  tasks: number,
  seconds: number,
  kind: DatabaseKind,
): Promise<DashboardResult> {
  const database = await BenchDatabase.create(kind);
  const service = new ServiceProcess(serviceEnv(database, tasks * 2), await freePort(), serviceNodeArgs());
  let browser: Browser | null = null;
  try {
    await migrate(database);
    await database.session((query) => seedEverySecond(query, tasks));
    await service.start();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(TIMELINE);
    await page.goto(`${service.url}/`);
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1_000));
    const from = await page.evaluate<number>('performance.now()');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    const to = await page.evaluate<number>('performance.now()');
    const timeline = await page.evaluate<{ frames: number[]; longTasks: number[][] }>('window.__bench');
    const shown = Number(await page.getByTestId('fires-per-second').textContent());
    const batched = await page.evaluate<boolean>(`document.documentElement.dataset.batched === 'true'`);
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
    const frames = timeline.frames.filter((time) => time >= from && time < to).length;
    const inWindow = timeline.longTasks.filter(([start]) => start >= from && start < to).map(([, ms]) => ms);
    return {
      tasks,
      seconds,
      fps: Math.round((frames / ((to - from) / 1_000)) * 10) / 10,
      longTasks: inWindow.length,
      longestTaskMs: Math.round(Math.max(0, ...inWindow)),
      totalBlockingMs: Math.round(inWindow.reduce((sum, ms) => sum + Math.max(0, ms - 50), 0)),
      shownFiresPerSecond: shown,
      batched,
    };
  } finally {
    await browser?.close();
    await service.kill('SIGTERM');
    await database.drop();
  }
}

if (require.main === module)
  runBenchmark(() =>
    measureDashboard(Number(option('tasks', '1000')), Number(option('seconds', '20')), databaseOption()),
  );
