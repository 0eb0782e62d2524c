import { DomainError, ErrorCode } from '../domain/domain-error';
import { SCHEDULE_OR_TEXT } from '../api/dto/either-field';
import { parseEnglishSchedule } from '../triggers/english/english-schedule';
import { assertTimeZone } from '../triggers/time-zone';

/** Where a schedule comes from: a spec, or plain English read into one. */
export interface ScheduleSourceInput {
  schedule?: string;
  text?: string;
  timezone?: string;
}

export interface ScheduleSource {
  spec: string;
  /** The phrase the spec was read from; null for a spec given as such. */
  text: string | null;
  /** The zone the text names, else the request's, else the default. */
  timezone: string;
}

/**
 * The spec of a request that carries exactly one of `schedule` and `text`. One-off phrases
 * ("at 5pm") are read against `now`, so they resolve when the schedule is saved.
 */
export function resolveScheduleSource(
  input: ScheduleSourceInput,
  defaultTimezone: string,
  now: Date,
): ScheduleSource {
  const hasSpec = input.schedule != null;
  const hasText = input.text != null;
  if (hasSpec && hasText) {
    throw new DomainError(ErrorCode.InvalidInput, SCHEDULE_OR_TEXT);
  }
  if (!hasSpec && !hasText) {
    throw new DomainError(ErrorCode.InvalidInput, 'schedule or text is required');
  }
  if (hasSpec) {
    const timezone = assertTimeZone(input.timezone ?? defaultTimezone);
    return { spec: input.schedule!.trim(), text: null, timezone };
  }
  const read = parseEnglishSchedule(input.text!, {
    timezone: input.timezone ?? defaultTimezone,
    timezoneGiven: input.timezone !== undefined,
    now,
  });
  return { spec: read.spec, text: read.interpretedFrom, timezone: read.timezone };
}
