import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';
import { PhraseRefusal } from './phrase-refusal';
import { COUNT, UNIT, parseCount, unitLetter } from './phrase-parts';

/**
 * One-off phrases. A delay ("in 2 hours") becomes `in:2h`, fixed when the schedule is saved
 * like any `in:` spec. A date and time ("tomorrow at 3pm", "next friday at 9", "on 14 may 2027
 * at 14:30", "at 5pm") is read by chrono-node against `now` in the schedule's zone and becomes
 * `at:<wall time>` in that zone; a time already passed today means tomorrow (chrono's
 * `forwardDate`).
 */

const DELAY_PART = `(?:${COUNT} ${UNIT}|half an hour)`;
const DELAY = new RegExp(`^in (?<parts>${DELAY_PART}(?: and ${DELAY_PART})*)$`);

/** `in 1 hour and 30 minutes` → `in:1h30m`; null when the phrase is not a delay. */
export function readDelay(text: string): string | null {
  const match = DELAY.exec(text);
  if (!match) return null;
  const totals = new Map<string, number>();
  for (const part of match.groups!.parts.split(' and ')) {
    const [count, unit] = part === 'half an hour' ? ['30', 'minutes'] : part.split(' ');
    const letter = unitLetter(unit);
    if (totals.has(letter)) throw new PhraseRefusal(`"${unit}" appears twice in the delay`, 'one-off');
    totals.set(letter, parseCount(count));
  }
  const order = ['w', 'd', 'h', 'm', 's'];
  const spec = order
    .filter((letter) => totals.has(letter))
    .map((letter) => `${totals.get(letter)}${letter}`)
    .join('');
  if ([...totals.values()].every((count) => count === 0)) {
    throw new PhraseRefusal('a delay must be longer than nothing', 'one-off');
  }
  return `in:${spec}`;
}

/**
 * chrono-node's time grows faster than the text (about 1 s for 500 characters of repeated dates):
 * a one-off is short, so longer text is refused before it reaches chrono.
 */
const MAX_DATE_TEXT = 100;

/** Words chrono may leave unread before the date without changing its meaning. */
const LEAD_WORDS = new Set(['', 'at', 'on']);

/**
 * `tomorrow at 3pm` → `at:2027-03-11T15:00:00` (wall time in `timezone`); null when chrono
 * finds no date. Refused: text chrono reads only part of (the rest would be dropped silently),
 * a range ("from 3 to 5pm"), and a date without a time of day (no hour is guessed).
 */
export function readDate(text: string, timezone: string, now: Date): string | null {
  if (text.length > MAX_DATE_TEXT) {
    throw new PhraseRefusal(`a one-off date and time is at most ${MAX_DATE_TEXT} characters`, 'one-off');
  }
  const offsetMinutes = DateTime.fromJSDate(now, { zone: timezone }).offset;
  const results = chrono.parse(text, { instant: now, timezone: offsetMinutes }, { forwardDate: true });
  if (results.length === 0) return null;
  const [result] = results;
  const before = text.slice(0, result.index).trim();
  const after = text.slice(result.index + result.text.length).trim();
  if (results.length > 1 || !LEAD_WORDS.has(before) || after !== '') {
    throw new PhraseRefusal(
      `only "${result.text}" reads as a date and time; the rest was not understood`,
      'one-off',
    );
  }
  if (result.end) throw new PhraseRefusal(`"${result.text}" is a range; a one-off fires once`, 'one-off');
  const start = result.start;
  if (!start.isCertain('hour')) {
    throw new PhraseRefusal(`"${result.text}" has no time of day; add one, e.g. "at 9am"`, 'one-off');
  }
  const wall = DateTime.fromObject(
    {
      year: start.get('year')!,
      month: start.get('month')!,
      day: start.get('day')!,
      hour: start.get('hour')!,
      minute: start.get('minute') ?? 0,
      second: start.get('second') ?? 0,
    },
    { zone: timezone },
  );
  return `at:${wall.toFormat("yyyy-MM-dd'T'HH:mm:ss")}`;
}
