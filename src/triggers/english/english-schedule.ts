import { InvalidScheduleError } from '../../domain/domain-error';
import { parseScheduleSpec } from '../parse-schedule-spec';
import { assertTimeZone } from '../time-zone';
import type { TriggerType } from '../trigger';
import { readDate, readDelay } from './one-off-phrase';
import { TIMES } from './phrase-parts';
import { PhraseRefusal, refusalMessage } from './phrase-refusal';
import { splitTimeZone } from './phrase-time-zone';
import { readRecurrence } from './recurrence-table';

export const MAX_TEXT_LENGTH = 500;

export interface EnglishContext {
  /** The schedule's zone: the request's, or the service default. */
  timezone: string;
  /** Whether the caller named `timezone` itself; a different zone in the text is then refused. */
  timezoneGiven: boolean;
  /** What one-off phrases are read against ("at 5pm" is today or tomorrow from here). */
  now: Date;
}

/** A phrase read: one of the existing spec forms, so everything downstream is unchanged. */
export interface EnglishSchedule {
  spec: string;
  type: TriggerType;
  description: string;
  /** The text as given (trimmed). */
  interpretedFrom: string;
  /** The zone the spec is read in: the one the text names, else the context's. */
  timezone: string;
}

/** Lower case, single spaces, `p.m.` → `pm`, `9 am` → `9am`, `mon - fri` → `mon-fri`, no end punctuation. */
export function normalizePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/\b([ap])\.m\.?/g, '$1m')
    .replace(/\s+/g, ' ')
    .replace(/ ?o'?clock\b/g, '')
    .replace(/(\d) (am|pm)\b/g, '$1$2')
    .replace(/ ?& ?/g, ' and ')
    .replace(/ ?- ?/g, '-')
    .trim()
    .replace(/[.!?]+$/, '');
}

/** Lists read "a, b and c" or "a, b, and c"; the grammar joins every item with " and ". */
const joinLists = (text: string) => text.replace(/ ?, ?(?:and )?/g, ' and ');

/** "at 9am every day" → "every day at 9am": the grammar reads the time last. */
function timeLast(text: string): string {
  const match = new RegExp(`^at (${TIMES}) (.+)$`).exec(text);
  return match ? `${match[2]} at ${match[1]}` : text;
}

const RECURRING_START = /^(every|each|daily|hourly|weekly|monthly|yearly|annually|bi-?weekly|fortnightly)\b/;

function readSpec(words: string, timezone: string, now: Date): string {
  const listed = timeLast(joinLists(words));
  const spec = readRecurrence(listed) ?? readDelay(listed);
  if (spec) return spec;
  if (RECURRING_START.test(listed)) {
    throw new PhraseRefusal('this repetition is not one the grammar knows', 'unknown');
  }
  const date = readDate(timeLast(words), timezone, now);
  if (!date) throw new PhraseRefusal('no schedule found in it', 'unknown');
  return date;
}

/**
 * Reads a schedule written in English (README "Plain English"). Deterministic: the same text,
 * zone and `now` give the same spec. Throws `InvalidScheduleError` naming what was understood
 * and offering three phrasings that work.
 */
export function parseEnglishSchedule(text: string, context: EnglishContext): EnglishSchedule {
  const given = typeof text === 'string' ? text.trim() : '';
  if (given === '') throw new InvalidScheduleError('text: must not be empty; e.g. "every weekday at 9am"');
  if (given.length > MAX_TEXT_LENGTH) {
    throw new InvalidScheduleError(`text: must be at most ${MAX_TEXT_LENGTH} characters`);
  }
  assertTimeZone(context.timezone);
  let timezone = context.timezone;
  let spec: string;
  try {
    const { zone, rest } = splitTimeZone(normalizePhrase(given));
    if (zone && context.timezoneGiven && zone !== context.timezone) {
      throw new PhraseRefusal(
        `the text names the zone ${zone} but the request's timezone is ${context.timezone}; give one of them`,
        'zone',
      );
    }
    timezone = zone ?? timezone;
    spec = readSpec(rest, timezone, context.now);
  } catch (error) {
    if (error instanceof PhraseRefusal) throw new InvalidScheduleError(refusalMessage(given, error));
    throw error;
  }
  let description: string;
  let type: TriggerType;
  try {
    const trigger = parseScheduleSpec(spec, { timezone, scheduledAt: context.now });
    [description, type] = [trigger.describe(), trigger.type];
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    throw new InvalidScheduleError(
      refusalMessage(given, new PhraseRefusal(`it reads as ${spec}, but ${error.message}`, 'unknown')),
    );
  }
  return { spec, type, description, interpretedFrom: given, timezone };
}
