import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports CPU time in clock ticks of 10 ms (USER_HZ = 100 on every mainstream kernel). */
const TICK_MS = 10;

/** CPU time used so far by a process (user + system), in ms, read from /proc. */
export function cpuTimeMs(pid: number): number {
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * CPU time used so far by every process of this name (`comm`), by pid: for a database server's
 * backends, which come and go with connections. Empty where there is none (an embedded database).
 */
export function cpuTimeByName(name: string): Map<number, number> {
  const times = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name)
        times.set(Number(entry), cpuTimeMs(Number(entry)));
    } catch {
      // The process exited while being read.
    }
  }
  return times;
}

/** CPU ms the processes of `after` used since `before` (a process new in `after` counts whole). */
export function cpuTimeSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Resident set size of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Samples a process's RSS until stopped; reports the peak and the CPU it used meanwhile. */
export class ProcessWatch {
  private peakRss = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly startCpu: number;
  private readonly startedAt = performance.now();

  constructor(private readonly pid: number) {
    this.startCpu = cpuTimeMs(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }

  /** CPU % of one core over the watch, and the peak RSS in MB. */
  stop(): { cpuPercent: number; rssMb: number } {
    clearInterval(this.timer);
    this.sample();
    const elapsed = performance.now() - this.startedAt;
    return {
      cpuPercent: Math.round(((cpuTimeMs(this.pid) - this.startCpu) / elapsed) * 100),
      rssMb: this.peakRss,
    };
  }

  private sample(): void {
    try {
      this.peakRss = Math.max(this.peakRss, rssMb(this.pid));
    } catch {
      // The process exited between two samples.
    }
  }
}
