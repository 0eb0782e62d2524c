import type { ScheduleEntity } from '../../persistence/schedule.entity';
import { parseScheduleSpec } from '../../triggers/parse-schedule-spec';
import type { Trigger } from '../../triggers/trigger';

type StoredSpec = Pick<ScheduleEntity, 'spec' | 'timezone' | 'scheduledAt' | 'startAt' | 'endAt'>;

/** The trigger of a stored schedule: its spec re-read in the context it was made in. */
export function triggerOfSchedule(schedule: StoredSpec): Trigger {
  return parseScheduleSpec(schedule.spec, {
    timezone: schedule.timezone,
    scheduledAt: schedule.scheduledAt,
    startAt: schedule.startAt,
    endAt: schedule.endAt,
  });
}

/** Enough for every schedule firing within minutes; a million stored ones are never all held. */
export const TRIGGER_CACHE_SIZE = 100_000;

/**
 * Parsed triggers by schedule id and version, so a schedule firing every second is not
 * re-parsed every second. An edit bumps the version and so misses the cache. Bounded: past
 * `size` entries the oldest parsed goes first.
 */
export class TriggerCache {
  private readonly entries = new Map<string, { version: number; trigger: Trigger }>();

  constructor(private readonly size = TRIGGER_CACHE_SIZE) {}

  get(schedule: StoredSpec & Pick<ScheduleEntity, 'id' | 'version'>): Trigger {
    const cached = this.entries.get(schedule.id);
    if (cached?.version === schedule.version) return cached.trigger;
    const trigger = triggerOfSchedule(schedule);
    this.entries.delete(schedule.id);
    this.entries.set(schedule.id, { version: schedule.version, trigger });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return trigger;
  }

  forget(scheduleId: string): void {
    this.entries.delete(scheduleId);
  }
}
