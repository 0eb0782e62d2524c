/**
 * `npm run bench`: every workload of the performance issue, each run several times, the medians
 * (with min–max) printed as a table and written to BENCHMARKS.md with the date, machine and commit.
 * Usage: npm run bench -- [--runs 3] [--db pglite|postgres] [--only fires,capacity,api,events,control,after-api,dashboard]
 * (the database is PostgreSQL when DATABASE_URL is set, else embedded PGlite).
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { databaseOption, option, runBenchmark } from './bench-args';
import { measureAfterApiTraffic } from './after-api-traffic';
import { measureApi } from './api-throughput';
import { measureCapacity } from './capacity';
import { measureDashboard } from './dashboard-load';
import { CONTROL_KINDS, measureControl } from './control-latency';
import { measureEvents } from './event-latency';
import { FireResult, measurePeerFires, measureScoutFires, WARMUP_SECONDS } from './fire-accuracy';

const runs = Number(option('runs', '3'));
const kind = databaseOption();
const only = option('only', 'fires,capacity,api,events,control,after-api,dashboard').split(',');
const FIRE_SECONDS = 20;
/** Control requests a second of each kind. */
const CONTROL_RATE = 10;
const START = '<!-- npm run bench: start -->';
const END = '<!-- npm run bench: end -->';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** "median (min–max)" of one field over the runs. */
function stat<T>(results: T[], read: (result: T) => number | null): string {
  const values = results.map(read).filter((value): value is number => value !== null && !Number.isNaN(value));
  if (values.length === 0) return '–';
  const round = (value: number) => (Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10);
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? `${round(low)}` : `${round(median(values))} (${round(low)}–${round(high)})`;
}

async function repeat<T>(label: string, measure: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 1; run <= runs; run++) {
    log(`${label}, run ${run}/${runs}`);
    const result = await measure();
    log(JSON.stringify(result));
    results.push(result);
  }
  return results;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

async function fireSection(): Promise<string> {
  const rows: string[][] = [];
  const ratios: string[][] = [];
  for (const tasks of [1_000, 10_000]) {
    const systems: Array<[string, () => Promise<FireResult>]> = [
      ['scout', () => measureScoutFires(tasks, FIRE_SECONDS, kind)],
      ['cron', () => measurePeerFires('cron', tasks, FIRE_SECONDS)],
      ['croner', () => measurePeerFires('croner', tasks, FIRE_SECONDS)],
    ];
    const bySystem = new Map<string, FireResult[]>();
    for (const [system, measure] of systems) {
      const results = await repeat(`fires: ${system}, ${tasks} tasks`, measure);
      bySystem.set(system, results);
      rows.push([
        system === 'scout' ? `**Scout** (${kind})` : `\`${system}\` (in-process)`,
        tasks.toLocaleString('en'),
        stat(results, (r) => r.p50),
        stat(results, (r) => r.p99),
        stat(results, (r) => r.max),
        stat(results, (r) => r.missed),
        stat(results, (r) => r.duplicates),
        system === 'scout'
          ? `${stat(results, (r) => r.persisted)} / ${tasks * FIRE_SECONDS}`
          : 'nothing stored',
        stat(results, (r) => r.cpuPercent),
        stat(results, (r) => r.rssMb),
      ]);
    }
    const ours = bySystem.get('scout')!;
    for (const peer of ['cron', 'croner']) {
      const theirs = bySystem.get(peer)!;
      const ratio = (read: (r: FireResult) => number) => {
        const mine = Math.max(median(ours.map(read)), 1);
        const other = median(theirs.map(read));
        const times = other / mine;
        return `${times >= 10 ? Math.round(times) : times >= 1 ? times.toFixed(1) : times.toFixed(2)}×`;
      };
      ratios.push([
        tasks.toLocaleString('en'),
        `\`${peer}\``,
        ratio((r) => r.p50),
        ratio((r) => r.p99),
        ratio((r) => r.max),
      ]);
    }
  }
  return [
    `### 1–2. Fire accuracy, side by side with the peers`,
    ``,
    `N tasks on \`* * * * * *\` with a no-op handler, a window of ${FIRE_SECONDS} whole seconds after a ${WARMUP_SECONDS} s warm-up. ` +
      `Lateness = startedAt − scheduledFor in ms (Scout: as stored in every run's row; peers: callback time − the instant its timer was armed for). ` +
      `Missed and duplicate fires per (task, second). CPU % of one core and peak RSS (MB) of the scheduler's process over the window.`,
    ``,
    table(
      ['system', 'N', 'p50', 'p99', 'max', 'missed', 'duplicates', 'runs stored', 'CPU %', 'RSS MB'],
      rows,
    ),
    ``,
    `How many times Scout's lateness is lower than the peer's (peer median ÷ Scout median, Scout's floored at 1 ms):`,
    ``,
    table(['N', 'peer', 'p50', 'p99', 'max'], ratios),
  ].join('\n');
}

async function capacitySection(): Promise<string> {
  const rows: string[][] = [];
  for (const [schedules, period] of [
    [100_000, 'hourly'],
    [1_000_000, 'daily'],
  ] as const) {
    const results = await repeat(`capacity: ${schedules} ${period}`, () =>
      measureCapacity(schedules, period, kind),
    );
    rows.push([
      `${schedules.toLocaleString('en')} ${period}`,
      stat(results, (r) => r.readyMs),
      stat(results, (r) => r.armedMs),
      stat(results, (r) => r.rssMb),
      `${stat(results, (r) => r.ran)} / ${stat(results, (r) => r.due)}`,
      stat(results, (r) => r.p99),
    ]);
  }
  return [
    `### 3. Capacity`,
    ``,
    `Schedules seeded by SQL (hourly: spread over the seconds of the hour; daily: over the seconds of the day), then the service started. ` +
      `Ready = spawn → \`/health\` 200; armed = spawn → first planning pass done (every fire due within the 2 s horizon claimed and armed; later ones are claimed each second ahead of their instant). ` +
      `RSS after the 10 following seconds, whose fires must all run on time.`,
    ``,
    table(
      [
        'stored schedules',
        'ready ms',
        'armed ms',
        'RSS MB',
        'fires run / due (next 10 s)',
        'their p99 lateness ms',
      ],
      rows,
    ),
  ].join('\n');
}

async function apiSection(): Promise<string> {
  const results = await repeat('api', () => measureApi(10, 16, kind));
  return [
    `### 4. REST: schedule creation`,
    ``,
    `autocannon, 16 connections, 10 s of \`POST /api/tasks\` with a cron schedule. ` +
      `CPU per request, in µs: the service's process, the PostgreSQL server's processes on this host (– when embedded: it is then inside the service), and autocannon's (the benchmark's process). ` +
      `The last column divides the machine's ${availableParallelism()} cores by their sum: the most requests a second this stack could serve here if its work were spread perfectly over every core (the service alone uses one).`,
    ``,
    table(
      [
        'requests/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'schedules stored',
        'service CPU µs',
        'PostgreSQL CPU µs',
        'autocannon CPU µs',
        'ceiling on all cores, /s',
      ],
      [
        [
          stat(results, (r) => r.requestsPerSecond),
          stat(results, (r) => r.p50),
          stat(results, (r) => r.p99),
          stat(results, (r) => r.non2xx),
          stat(results, (r) => r.created),
          stat(results, (r) => r.serviceCpuUs),
          stat(results, (r) => r.databaseCpuUs),
          stat(results, (r) => r.clientCpuUs),
          stat(results, (r) => r.coresCeiling),
        ],
      ],
    ),
  ].join('\n');
}

async function eventSection(): Promise<string> {
  const rows: string[][] = [];
  for (const clients of [10, 1]) {
    const results = await repeat(`events, ${clients} clients`, () =>
      measureEvents(1_000, clients, FIRE_SECONDS, kind),
    );
    rows.push([
      String(clients),
      stat(results, (r) => r.p50),
      stat(results, (r) => r.p99),
      stat(results, (r) => r.max),
      stat(results, (r) => r.clientP99Max),
      `${stat(results, (r) => r.events)} / ${stat(results, (r) => r.expected)}`,
      stat(results, (r) => r.clientCpuUsPerEvent),
    ]);
  }
  return [
    `### 5. Events`,
    ``,
    `1,000 tasks firing every second (1,000 fires/s), each Socket.IO client in a process of its own, a window of ${FIRE_SECONDS} whole seconds after a ${WARMUP_SECONDS} s warm-up; ` +
      `latency = receive time − \`startedAt\` of each \`task_started\` (p50, p99, max over every client's events; worst client p99: the highest of the clients' own p99). Each client also receives the 1,000 \`task_finished\` of every second; ` +
      `the last column is what decoding one event costs a client (CPU µs). The 1-client row shows the server's part.`,
    ``,
    table(
      [
        'clients',
        'p50 ms',
        'p99 ms',
        'max ms',
        'worst client p99 ms',
        'delivered / expected',
        'client CPU µs per event',
      ],
      rows,
    ),
  ].join('\n');
}

async function controlSection(): Promise<string> {
  const rows: string[][] = [];
  for (const tasks of [1_000, 10_000]) {
    const results = await repeat(`control, ${tasks} tasks`, () =>
      measureControl(tasks, FIRE_SECONDS, CONTROL_RATE, kind),
    );
    for (const control of CONTROL_KINDS) {
      rows.push([
        tasks.toLocaleString('en'),
        control,
        stat(results, (r) => r.latency[control].p50),
        stat(results, (r) => r.latency[control].p99),
        stat(results, (r) => r.latency[control].max),
        stat(results, (r) => r.latency[control].failed),
        control === 'pause' ? stat(results, (r) => r.fireP99) : '',
        control === 'pause' ? stat(results, (r) => r.fireMax) : '',
        control === 'pause' ? stat(results, (r) => r.firesAfterStop) : '',
      ]);
    }
  }
  return [
    `### 6. Control-plane latency under load`,
    ``,
    `N tasks on \`cron:* * * * * *\` (N fires/s, seeded by SQL), a ${FIRE_SECONDS} s window after a ${WARMUP_SECONDS} s warm-up, during which a client sends ${CONTROL_RATE} requests a second of each kind, the five kinds together: ` +
      `\`POST …/schedule/pause\`, \`POST …/schedule/resume\` (of a task paused a second before), \`DELETE …/schedule\` (cancel), \`PATCH /api/tasks/{id}\` (update), \`DELETE /api/tasks/{id}\`. ` +
      `Latency in ms as the client sees it; failed = not 2xx within 30 s. Fires: lateness p99 and max (ms) of the window's fires, and fires that started although their schedule had been paused, cancelled or deleted more than 250 ms before their instant (must be 0).`,
    ``,
    table(
      [
        'N',
        'request',
        'p50 ms',
        'p99 ms',
        'max ms',
        'failed',
        'fires p99 ms',
        'fires max ms',
        'fires after stop',
      ],
      rows,
    ),
  ].join('\n');
}

async function afterApiSection(): Promise<string> {
  const tasks = 10_000;
  const results = await repeat('after API traffic', () =>
    measureAfterApiTraffic(tasks, FIRE_SECONDS, 16, kind),
  );
  return [
    `### 7. On time right after heavy API traffic`,
    ``,
    `${tasks.toLocaleString('en')} tasks created over REST on the running service (\`POST /api/tasks\`, then \`POST …/schedule\` with \`cron:* * * * * *\`, 16 at a time), ` +
      `then a ${FIRE_SECONDS} s window starting 2 s after the last: fires started, lateness in ms, planning passes in the window, and the slowest of 5 \`DELETE …/schedule\` sent right after it (under the same load).`,
    ``,
    table(
      [
        'created in s',
        'fires started',
        'missed',
        'p50',
        'p99',
        'max',
        'passes in window',
        'DELETE …/schedule ms',
      ],
      [
        [
          stat(results, (r) => r.createSeconds),
          `${stat(results, (r) => r.started)} / ${tasks * FIRE_SECONDS}`,
          stat(results, (r) => r.missed),
          stat(results, (r) => r.p50),
          stat(results, (r) => r.p99),
          stat(results, (r) => r.max),
          stat(results, (r) => r.passesInWindow),
          stat(results, (r) => r.deleteMs),
        ],
      ],
    ),
  ].join('\n');
}

async function dashboardSection(): Promise<string> {
  const tasks = 1_000;
  const results = await repeat('dashboard', () => measureDashboard(tasks, FIRE_SECONDS, kind));
  return [
    `### 8. The dashboard at 1,000 fires/s`,
    ``,
    `${tasks.toLocaleString('en')} tasks on \`cron:* * * * * *\` (seeded by SQL), the page at \`/\` open in Chromium (headless, playwright-core) on this machine, a ${FIRE_SECONDS} s window after a ${WARMUP_SECONDS} s warm-up: ` +
      `frames per second (requestAnimationFrame) and long tasks (\`longtask\` entries of the browser's performance timeline; total blocking time = the sum of each one's time over 50 ms). ` +
      `Events reach the page as ${results.some((r) => r.batched) ? '`events_batch` messages' : 'single events (the service sent no `events_batch`), coalesced by the client'}; the page renders at most 4 times a second.`,
    ``,
    table(
      ['fps', 'long tasks', 'longest task ms', 'total blocking ms', 'fires/s shown'],
      [
        [
          stat(results, (r) => r.fps),
          stat(results, (r) => r.longTasks),
          stat(results, (r) => r.longestTaskMs),
          stat(results, (r) => r.totalBlockingMs),
          stat(results, (r) => r.shownFiresPerSecond),
        ],
      ],
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const sections: string[] = [];
  if (only.includes('fires')) sections.push(await fireSection());
  if (only.includes('capacity')) sections.push(await capacitySection());
  if (only.includes('api')) sections.push(await apiSection());
  if (only.includes('events')) sections.push(await eventSection());
  if (only.includes('control')) sections.push(await controlSection());
  if (only.includes('after-api')) sections.push(await afterApiSection());
  if (only.includes('dashboard')) sections.push(await dashboardSection());
  const commit = execSync('git rev-parse --short HEAD').toString().trim();
  // The report itself is the one change expected.
  const dirty = execSync("git status --porcelain -- . ':!BENCHMARKS.md'").toString().trim()
    ? ' (with uncommitted changes)'
    : '';
  const report = [
    `## Latest run`,
    ``,
    `${new Date().toISOString()} · commit ${commit}${dirty} · ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB · Node ${process.version} · database: ${kind === 'postgres' ? 'PostgreSQL server' : 'embedded PGlite'} · ` +
      `medians of ${runs} runs, (min–max)`,
    ``,
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
  process.stdout.write(`${report}\n`);
  const out = option('out', 'BENCHMARKS.md');
  // The tables go between the markers; the analysis around them is kept.
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const [before, rest] = previous.includes(START) ? previous.split(START) : [`${previous}\n`, END];
  writeFileSync(out, `${before}${START}\n${report}\n${END}${rest.split(END)[1] ?? '\n'}`);
  log(`written to ${out}`);
}

runBenchmark(main);
