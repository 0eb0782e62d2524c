/**
 * One peer scheduler in a process of its own, for the fire-accuracy comparison: N in-process jobs
 * on `* * * * * *` with a no-op callback, recording for every fire the instant it was meant for
 * and the time the callback ran, as our service records `scheduledFor` and `startedAt`.
 * Usage: ts-node bench/peer-fires.ts --lib cron|croner --jobs 1000 --seconds 20 --warmup 3
 * Prints `window <from> <to>` when the window is fixed, then one JSON line of results.
 */
import { CronJob } from 'cron';
import { Cron } from 'croner';
import { option } from './bench-args';
import { summarizeFires } from './fire-summary';

const lib = option('lib', 'croner');
const jobs = Number(option('jobs', '1000'));
const seconds = Number(option('seconds', '20'));
const warmupSeconds = Number(option('warmup', '3'));

// Preallocated: recording must cost next to nothing on the callback.
const capacity = jobs * (seconds + 2);
const jobOf = new Int32Array(capacity);
const targetOf = new Float64Array(capacity);
const firedAt = new Float64Array(capacity);
let recorded = 0;
let from = Infinity;
let to = -Infinity;

function record(job: number, target: number): void {
  const now = Date.now();
  if (target < from || target >= to || recorded >= capacity) return;
  jobOf[recorded] = job;
  targetOf[recorded] = target;
  firedAt[recorded++] = now;
}

type Tracked = { benchTarget?: number; benchNext?: number };

function startCronJobs(): void {
  // `cron` computes a fire's successor (start → getTimeout) just before calling onTick: keep the
  // instant each timer was armed for, so that a late fire is charged to the second it belongs to.
  const originalStart = CronJob.prototype.start;
  CronJob.prototype.start = function (this: CronJob & Tracked) {
    this.benchTarget = this.benchNext;
    // Its fires fall on whole seconds; the timeout is computed from a clock read a moment apart.
    this.benchNext = Math.round((Date.now() + this.cronTime.getTimeout()) / 1000) * 1000;
    originalStart.call(this);
  };
  for (let job = 0; job < jobs; job++) {
    const cronJob: CronJob & Tracked = CronJob.from({
      cronTime: '* * * * * *',
      onTick: () => record(job, cronJob.benchTarget!),
      start: false,
    });
    cronJob.start();
  }
}

function startCronerJobs(): void {
  // croner hands the target instant to _checkTrigger, which calls the job's function synchronously.
  const prototype = Cron.prototype as unknown as { _checkTrigger: (target: Date) => void };
  const original = prototype._checkTrigger;
  prototype._checkTrigger = function (this: Cron & Tracked, target: Date) {
    this.benchTarget = target.getTime();
    original.call(this, target);
  };
  for (let job = 0; job < jobs; job++) {
    const cron: Cron & Tracked = new Cron('* * * * * *', () => record(job, cron.benchTarget!));
  }
}

if (lib === 'cron') startCronJobs();
else if (lib === 'croner') startCronerJobs();
else throw new Error(`unknown --lib ${lib}: cron or croner`);

from = Math.ceil(Date.now() / 1000) * 1000 + warmupSeconds * 1000;
to = from + seconds * 1000;
process.stdout.write(`window ${from} ${to}\n`);
setTimeout(
  () => {
    const fires = Array.from({ length: recorded }, (_, index) => ({
      key: `${jobOf[index]}@${targetOf[index]}`,
      latenessMs: firedAt[index] - targetOf[index],
    }));
    process.stdout.write(`${JSON.stringify(summarizeFires(fires, jobs * seconds))}\n`);
    process.exit(0);
  },
  to - Date.now() + 2_000,
);
