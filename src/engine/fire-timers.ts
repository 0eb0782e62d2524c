import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';

/** Node timers overflow past 2^31−1 ms (about 24.8 days) and then fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Arms the engine's named timers in `SchedulerRegistry`, so other modules can list what this
 * process has armed: one-shots, and intervals for periodic jobs. A one-shot further out than
 * `MAX_TIMER_MS` is armed in steps and re-armed on each wake-up, so it never fires early. A name
 * is deleted before it is re-added.
 */
@Injectable()
export class FireTimers {
  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly clock: Clock,
  ) {}

  arm(name: string, atMs: number, callback: () => void): void {
    this.disarm(name);
    const step = () => {
      const delay = atMs - this.clock.nowMs();
      const handle =
        delay > MAX_TIMER_MS
          ? setTimeout(() => {
              this.registry.deleteTimeout(name);
              step();
            }, MAX_TIMER_MS)
          : setTimeout(
              () => {
                this.registry.deleteTimeout(name);
                callback();
              },
              Math.max(0, delay),
            );
      this.registry.addTimeout(name, handle);
    };
    step();
  }

  disarm(name: string): void {
    if (this.registry.doesExist('timeout', name)) this.registry.deleteTimeout(name);
  }

  isArmed(name: string): boolean {
    return this.registry.doesExist('timeout', name);
  }

  /** Calls back every `everyMs` (from now on) until `disarmInterval`. */
  armInterval(name: string, everyMs: number, callback: () => void): void {
    this.disarmInterval(name);
    this.registry.addInterval(name, setInterval(callback, everyMs));
  }

  disarmInterval(name: string): void {
    if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
  }
}
