import { PhraseRefusal } from './phrase-refusal';

/**
 * The words the phrase grammar is built from, each as a regular-expression source (for the
 * pattern table) and a reader that turns the matched words into cron or duration parts. The
 * text reaching them is already normalized (`normalizePhrase`): lower case, single spaces,
 * `a.m.` → `am`, lists joined with " and ".
 */

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  'forty-five': 45,
  fifty: 50,
  ninety: 90,
};

export const COUNT = `(?:\\d{1,4}|${Object.keys(NUMBER_WORDS).join('|')})`;
export const UNIT = '(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)';
export const TIME = '(?:\\d{1,2}(?::\\d{2})?(?: ?(?:am|pm))?|noon|midday|midnight)';
export const TIMES = `${TIME}(?: and ${TIME})*`;

const DAY_NUMBERS: Record<string, number> = {
  sunday: 0,
  sun: 0,
  monday: 1,
  mon: 1,
  tuesday: 2,
  tues: 2,
  tue: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thurs: 4,
  thur: 4,
  thu: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
};
const DAY_NAME = `(?:${Object.keys(DAY_NUMBERS).join('|')})`;
export const DAY = `${DAY_NAME}s?`;
/** Days in the plural ("mondays and fridays"): on their own they repeat, "on monday" does not. */
export const PLURAL_DAYS = `${DAY_NAME}s(?: and ${DAY_NAME}s)*`;
/** Days joined by "and", or a range ("monday to friday", "mon-fri"). */
export const DAYS = `${DAY}(?:(?: and | to | through | thru |-)${DAY})*`;

export const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
export const MONTH = `(?:${MONTHS.map((name) => `${name}|${name.slice(0, 3)}`).join('|')})`;
export const ORDINAL = '(?:\\d{1,2}(?:st|nd|rd|th)?|first)';

export function parseCount(word: string): number {
  return /^\d+$/.test(word) ? Number(word) : NUMBER_WORDS[word];
}

/** `minutes` → `m`: the unit letter of the `every`/`in:` duration forms. */
export function unitLetter(unit: string): 's' | 'm' | 'h' | 'd' | 'w' {
  return unit.startsWith('s') ? 's' : unit.startsWith('mi') ? 'm' : (unit[0] as 'h' | 'd' | 'w');
}

export interface TimeOfDay {
  hour: number;
  minute: number;
}

/**
 * `9am`, `9:30 pm`, `17:00`, `noon`, `midnight`. An hour without am/pm is read on the 24-hour
 * clock (`9` is 09:00, `21` is 21:00): one fixed rule instead of a guess.
 */
export function parseTime(word: string): TimeOfDay {
  if (word === 'noon' || word === 'midday') return { hour: 12, minute: 0 };
  if (word === 'midnight') return { hour: 0, minute: 0 };
  const match = /^(\d{1,2})(?::(\d{2}))? ?(am|pm)?$/.exec(word);
  if (!match) throw new PhraseRefusal(`"${word}" is not a time of day`, 'time');
  let hour = Number(match[1]);
  const minute = Number(match[2] ?? 0);
  const half = match[3];
  if (half) {
    if (hour < 1 || hour > 12)
      throw new PhraseRefusal(`"${word}" is not a time: with am/pm the hour is 1-12`, 'time');
    hour = (hour % 12) + (half === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59)
    throw new PhraseRefusal(`"${word}" is not a time of day (00:00-23:59)`, 'time');
  return { hour, minute };
}

/**
 * `9am and 5pm` → minute and hour fields. Cron crosses its fields, so times with different
 * minutes ("9:30 and 17:00") would also fire at 9:00 and 17:30: refused rather than widened.
 */
export function parseTimes(words: string | undefined): { minute: string; hour: string } {
  const times = (words ?? 'midnight').split(' and ').map(parseTime);
  const minutes = new Set(times.map((time) => time.minute));
  if (minutes.size > 1) {
    throw new PhraseRefusal(
      `the times ${words} have different minutes, which one cron expression cannot hold without firing at their crossings too`,
      'times',
    );
  }
  const hours = [...new Set(times.map((time) => time.hour))].sort((a, b) => a - b);
  return { minute: String(times[0].minute), hour: hours.join(',') };
}

function dayNumber(word: string): number {
  return DAY_NUMBERS[word] ?? DAY_NUMBERS[word.replace(/s$/, '')];
}

/** `monday and friday` → `1,5`; `monday to friday` → `1-5`; `weekday` → `1-5`; `day` → `*`. */
export function parseDays(words: string): string {
  const set = words.replace(/s$/, '');
  if (set === 'day') return '*';
  if (set === 'weekday') return '1-5';
  if (set === 'weekend' || set === 'weekend day') return '0,6';
  const items = words.split(' and ').map((item) => {
    const range = / (?:to|through|thru) |-/.exec(item);
    if (!range) return String(dayNumber(item.trim()));
    const [from, to] = [item.slice(0, range.index), item.slice(range.index + range[0].length)].map((day) =>
      dayNumber(day.trim()),
    );
    if (from >= to) {
      throw new PhraseRefusal(
        `the day range "${item}" runs backwards or wraps the week; list the days instead`,
        'days',
      );
    }
    return `${from}-${to}`;
  });
  return [...new Set(items)].sort((a, b) => parseInt(a) - parseInt(b)).join(',');
}

/**
 * `15th` → 15. Days 29-31 are refused: cron would skip the months without them, silently;
 * "the last day of every month" says what is usually meant.
 */
export function parseDayOfMonth(word: string): number {
  const day = word === 'first' ? 1 : Number(/^\d+/.exec(word)?.[0]);
  if (!(day >= 1 && day <= 31)) throw new PhraseRefusal(`"${word}" is not a day of the month`, 'monthly');
  if (day > 28) {
    throw new PhraseRefusal(
      `not every month has a ${word}, and cron would skip those months without a word`,
      'monthly',
    );
  }
  return day;
}

export function parseMonth(word: string): number {
  return MONTHS.findIndex((name) => name.startsWith(word.slice(0, 3))) + 1;
}
