import type { PlannedSchedule } from '../../persistence/schedule-rows';
import type { FireTimers } from '../fire-timers';
import { PRESTART_MS } from './planner-timing';
import { type Fire, runPolicyOf } from '../runner/run-policy';
import type { ArmedFire } from './armed-fire';
import type { StartRecorder } from './start-recorder';

/** A random delay within the schedule's jitter (none without one). */
export function jitterOf(schedule: PlannedSchedule | null): number {
  return schedule?.jitterSeconds ? Math.floor(Math.random() * schedule.jitterSeconds * 1000) : 0;
}

/**
 * The fires armed in memory, grouped by their start: the fires of one instant share one named
 * timer, set PRESTART_MS before it, which hands the group to the start recorder. Memory holds
 * only the next couple of seconds, whatever the number of stored schedules.
 */
export class FireGroups {
  private readonly armed = new Map<string, ArmedFire>();
  private readonly groups = new Map<number, Set<string>>();

  constructor(
    private readonly timers: FireTimers,
    private readonly recorder: StartRecorder,
  ) {}

  get size(): number {
    return this.armed.size;
  }

  /** The run ids of the armed fires (a copy: the caller may forget some while going through it). */
  runIds(): string[] {
    return [...this.armed.keys()];
  }

  has(runId: string): boolean {
    return this.armed.has(runId);
  }

  /**
   * Arms a run for its planned start; without one (a run taken over) for its instant plus jitter,
   * to be started run by run.
   */
  arm(run: Fire['run'], task: Fire['task'], schedule: PlannedSchedule | null, plannedStartMs?: number): void {
    const planned = plannedStartMs !== undefined;
    const atMs = plannedStartMs ?? run.scheduledFor.getTime() + jitterOf(schedule);
    this.armed.set(run.id, {
      fire: { run, task, policy: runPolicyOf(schedule), event: null, recorded: true },
      atMs,
      planned,
    });
    let group = this.groups.get(atMs);
    if (!group) {
      group = new Set();
      this.groups.set(atMs, group);
      this.timers.arm(groupName(atMs), atMs - PRESTART_MS, () =>
        this.recorder.startGroup(atMs, this.take(atMs)),
      );
    }
    group.add(run.id);
  }

  forget(runId: string): void {
    const fire = this.armed.get(runId);
    if (!fire) return;
    this.armed.delete(runId);
    const group = this.groups.get(fire.atMs);
    group?.delete(runId);
    if (group?.size === 0) {
      this.groups.delete(fire.atMs);
      this.timers.disarm(groupName(fire.atMs));
    }
  }

  /** Forgets the armed fires of a schedule and returns their run ids. */
  forgetSchedule(scheduleId: string): string[] {
    const dropped: string[] = [];
    for (const [runId, armed] of this.armed) {
      if (armed.fire.run.scheduleId !== scheduleId) continue;
      this.forget(runId);
      dropped.push(runId);
    }
    return dropped;
  }

  /** Disarms every group: nothing armed starts. */
  clear(): void {
    for (const atMs of this.groups.keys()) this.timers.disarm(groupName(atMs));
    this.groups.clear();
    this.armed.clear();
  }

  /** Takes a group out of memory as its timer fires: from here on the start recorder has it. */
  private take(atMs: number): ArmedFire[] {
    const fires: ArmedFire[] = [];
    for (const runId of this.groups.get(atMs) ?? []) {
      const armed = this.armed.get(runId);
      this.armed.delete(runId);
      if (armed) fires.push(armed);
    }
    this.groups.delete(atMs);
    return fires;
  }
}

function groupName(atMs: number): string {
  return `scout:fire:${new Date(atMs).toISOString()}`;
}
