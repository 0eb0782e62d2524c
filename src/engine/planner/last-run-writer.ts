import type { Clock } from '../../common/clock';
import type { RunClaimsRepository } from '../../persistence/run-claims.repository';

/**
 * Write-behind of `schedule.last_run_at`: a group's starts are noted in memory and written with
 * the schedule's next advance (in the claim's transaction), or at the end of a pass for schedules
 * not due again within the horizon.
 */
export class LastRunWriter {
  /** Starts not yet written (instant, and when it was noted): the schedule's next advance carries them. */
  private readonly lastStarts = new Map<string, { atMs: number; notedMs: number }>();

  constructor(
    private readonly claims: RunClaimsRepository,
    private readonly clock: Clock,
  ) {}

  noteStart(scheduleId: string, atMs: number): void {
    const noted = this.lastStarts.get(scheduleId);
    this.lastStarts.set(scheduleId, {
      atMs: Math.max(noted?.atMs ?? 0, atMs),
      notedMs: noted?.notedMs ?? this.clock.nowMs(),
    });
  }

  /** The schedule's latest unwritten start, for its advance to carry (null when there is none). */
  takeLastStart(scheduleId: string): Date | null {
    const noted = this.lastStarts.get(scheduleId);
    if (noted === undefined) return null;
    this.lastStarts.delete(scheduleId);
    return new Date(noted.atMs);
  }

  /**
   * Writes, in one statement, the starts noted before `notedBeforeMs` that no advance carried
   * (schedules not due again within the horizon); on failure they are kept for the next pass.
   * A start noted during the pass waits for the next one: at thousands of fires a second each
   * group's starts are noted while a pass runs, and the next pass's advance of the same schedules
   * carries them at no cost, where writing them here doubled the schedule updates.
   */
  async writeLastStarts(notedBeforeMs: number): Promise<void> {
    const starts: Array<{ scheduleId: string; at: Date }> = [];
    for (const [scheduleId, { atMs, notedMs }] of this.lastStarts) {
      if (notedMs >= notedBeforeMs) continue;
      starts.push({ scheduleId, at: new Date(atMs) });
      this.lastStarts.delete(scheduleId);
    }
    if (starts.length === 0) return;
    try {
      await this.claims.touchLastRun(starts);
    } catch (error) {
      for (const { scheduleId, at } of starts) this.noteStart(scheduleId, at.getTime());
      throw error;
    }
  }
}
