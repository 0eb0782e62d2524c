import { DateTime } from 'luxon';
import { InvalidScheduleError } from '../domain/domain-error';
import { BoundedTrigger } from './bounded.trigger';
import { CronTrigger } from './cron.trigger';
import { parseDuration } from './duration';
import { IntervalTrigger } from './interval.trigger';
import { OnceTrigger } from './once.trigger';
import { ChainTrigger, EventTrigger } from './signal.triggers';
import { assertTimeZone } from './time-zone';
import { Trigger } from './trigger';

export interface SpecContext {
  /** IANA zone for cron fields and for `at:` times written without an offset. */
  timezone: string;
  /** When the schedule was made: fixes the `in:` due time and the `every` phase across restarts. */
  scheduledAt: Date;
  startAt?: Date | null;
  endAt?: Date | null;
}

export const MIN_INTERVAL_MS = 1_000;
const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?<offset>Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** Real UTC offsets run from -12:00 to +14:00; anything past ±14:00 or with minutes over 59 is a typo. */
const MAX_OFFSET_MINUTES = 14 * 60;

const FORMS = 'cron:<expression>, every <duration>, at:<ISO time>, in:<duration>, on:<event>, after:<taskId>';

/** Splits `cron:…`, `every:…`, `every …`, `in …` into its form and its argument. */
function splitSpec(spec: string): { form: string; argument: string } | null {
  const match = /^(cron|every|at|in|on|after)(?::|\s+)([\s\S]*)$/i.exec(spec);
  return match ? { form: match[1].toLowerCase(), argument: match[2].trim() } : null;
}

function parseInterval(argument: string, context: SpecContext): IntervalTrigger {
  const periodMs = parseDuration(argument, 'every');
  if (periodMs < MIN_INTERVAL_MS) throw new InvalidScheduleError('every: interval must be at least 1s');
  const firstFire = context.startAt ?? new Date(context.scheduledAt.getTime() + periodMs);
  return new IntervalTrigger(periodMs, firstFire);
}

/** Whether an ISO offset (`+02:00`, `-0530`, `+02`) is one a real clock can have. */
function isPlausibleOffset(offset: string): boolean {
  const hours = Number(offset.slice(1, 3));
  const minutes = offset.length > 3 ? Number(offset.slice(-2)) : 0;
  return minutes <= 59 && hours * 60 + minutes <= MAX_OFFSET_MINUTES;
}

/**
 * Parses an ISO 8601 date and time; without an offset it is a wall-clock time in `timezone`.
 * A wall time the zone skips (spring forward) moves forward by the size of the jump, as
 * RFC 5545 and Temporal's "compatible" rule do (02:30 becomes 03:30); a wall time the zone
 * repeats (fall back) is its first occurrence, as cron fires it.
 */
export function parseInstant(text: string, timezone: string, label: string): Date {
  const expected = `expected an ISO 8601 date and time such as 2027-05-14T14:30:00, 2027-05-14T14:30:00Z or 2027-05-14T14:30:00+02:00`;
  const match = ISO_DATE_TIME.exec(text);
  if (!match) {
    throw new InvalidScheduleError(`${label}: ${JSON.stringify(text)} is not a date and time; ${expected}`);
  }
  const offset = match.groups?.offset;
  if (offset && offset.toUpperCase() !== 'Z' && !isPlausibleOffset(offset)) {
    throw new InvalidScheduleError(
      `${label}: ${JSON.stringify(text)} is not a valid date and time (UTC offset ${offset} is not between -14:00 and +14:00); ${expected}`,
    );
  }
  const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone: timezone });
  if (!parsed.isValid) {
    throw new InvalidScheduleError(
      `${label}: ${JSON.stringify(text)} is not a valid date and time (${parsed.invalidExplanation ?? parsed.invalidReason}); ${expected}`,
    );
  }
  if (offset) return parsed.toJSDate();
  // luxon resolves a repeated wall time to either occurrence depending on the zone; take the first.
  const earliest = Math.min(...parsed.getPossibleOffsets().map((candidate) => candidate.toMillis()));
  return new Date(earliest);
}

function parseDelay(argument: string, context: SpecContext): OnceTrigger {
  const delayMs = parseDuration(argument, 'in');
  if (delayMs < MIN_INTERVAL_MS) throw new InvalidScheduleError('in: delay must be at least 1s');
  return new OnceTrigger(new Date(context.scheduledAt.getTime() + delayMs), context.timezone);
}

function parseEvent(argument: string): EventTrigger {
  if (!EVENT_NAME.test(argument)) {
    throw new InvalidScheduleError(
      `on: ${JSON.stringify(argument)} is not an event name; expected 1-200 letters, digits, _ . : or -, starting with a letter or digit`,
    );
  }
  return new EventTrigger(argument);
}

function parseChain(argument: string): ChainTrigger {
  if (!UUID.test(argument)) {
    throw new InvalidScheduleError(
      `after: ${JSON.stringify(argument)} is not a task id; expected a task UUID`,
    );
  }
  return new ChainTrigger(argument.toLowerCase());
}

function parseUnbounded(spec: string, context: SpecContext): Trigger {
  const parts = splitSpec(spec.trim());
  if (!parts) {
    throw new InvalidScheduleError(
      `schedule: ${JSON.stringify(spec)} is not a schedule spec; expected one of ${FORMS}`,
    );
  }
  const { form, argument } = parts;
  switch (form) {
    case 'cron': {
      const trigger = new CronTrigger(argument, context.timezone);
      trigger.assertFiresAfter(context.scheduledAt);
      return trigger;
    }
    case 'every':
      return parseInterval(argument, context);
    case 'at':
      return new OnceTrigger(parseInstant(argument, context.timezone, 'at'), context.timezone);
    case 'in':
      return parseDelay(argument, context);
    case 'on':
      return parseEvent(argument);
    default:
      return parseChain(argument);
  }
}

/**
 * Turns a schedule spec (`docs/API.md`, Schedule specs) into a trigger, or throws `InvalidScheduleError` naming the
 * part that is wrong and what is expected. Pure: the moment of scheduling comes in `context`.
 */
export function parseScheduleSpec(spec: string, context: SpecContext): Trigger {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new InvalidScheduleError(`schedule: must not be empty; expected one of ${FORMS}`);
  }
  if (spec.length > 500) throw new InvalidScheduleError('schedule: must be at most 500 characters');
  assertTimeZone(context.timezone);
  const { startAt = null, endAt = null } = context;
  if (startAt && endAt && endAt <= startAt) throw new InvalidScheduleError('endAt: must be after startAt');
  const trigger = parseUnbounded(spec, context);
  return startAt || endAt ? new BoundedTrigger(trigger, startAt, endAt) : trigger;
}

/** At submission, a one-shot whose instant has passed is refused (a stored one is a misfire instead). */
export function assertFiresInFuture(trigger: Trigger, now: Date): void {
  if (trigger.type !== 'once') return;
  const at = trigger.nextFireTime(null, now);
  if (at === null || at.getTime() <= now.getTime()) {
    throw new InvalidScheduleError(
      `at: time is in the past (${at?.toISOString() ?? 'outside startAt/endAt'}); expected an instant after ${now.toISOString()}`,
    );
  }
}
