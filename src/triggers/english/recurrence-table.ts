import { PhraseRefusal } from './phrase-refusal';
import {
  COUNT,
  DAY,
  DAYS,
  MONTH,
  ORDINAL,
  PLURAL_DAYS,
  TIME,
  TIMES,
  UNIT,
  parseCount,
  parseDayOfMonth,
  parseDays,
  parseMonth,
  parseTime,
  parseTimes,
  unitLetter,
} from './phrase-parts';

/**
 * The recurrence grammar: one row per phrase shape, a pattern over the normalized text and the
 * spec it builds from the pattern's named groups. The first row that matches wins; a row may
 * refuse (throw `PhraseRefusal`) when its shape is understood but cannot be kept exactly.
 */
export interface RecurrenceRule {
  /** What the row reads, for the README's grammar table and for debugging. */
  shape: string;
  pattern: RegExp;
  build: (groups: Record<string, string | undefined>) => string;
}

const AT = `(?: at (?<times>${TIMES}))?`;
const DAY_SET = `(?<days>day|weekdays?|weekend days?|weekends?|${DAYS})`;

const cron = (minute: string, hour: string, dayOfMonth: string, month: string, dayOfWeek: string) =>
  `cron:${minute} ${hour} ${dayOfMonth} ${month} ${dayOfWeek}`;

function daily(times: string | undefined, dayOfWeek = '*'): string {
  const { minute, hour } = parseTimes(times);
  return cron(minute, hour, '*', '*', dayOfWeek);
}

function interval(count: string, unit: string): string {
  const amount = parseCount(count);
  if (amount < 1)
    throw new PhraseRefusal(
      `every ${count} ${unit} repeats nothing; the count must be at least 1`,
      'interval',
    );
  return `every ${amount}${unitLetter(unit)}`;
}

/**
 * "every N minutes between 9am and 5pm": fires from the first time up to, not including, the
 * second. Both must be whole hours and the step must divide the hour (or the day), since a cron
 * step restarts at each hour: "every 7 minutes" would fire at :56 and then :00.
 */
function windowed(groups: Record<string, string | undefined>): string {
  const step = groups.count ? parseCount(groups.count) : 1;
  const unit = unitLetter(groups.unit ?? 'minute');
  const [from, to] = [parseTime(groups.from!), parseTime(groups.to!)];
  if (from.minute !== 0 || to.minute !== 0) {
    throw new PhraseRefusal('a time window must start and end on the hour', 'between');
  }
  const endHour = to.hour === 0 ? 24 : to.hour;
  if (endHour <= from.hour) {
    throw new PhraseRefusal('the window must end after it starts on the same day', 'between');
  }
  const hours = endHour - 1 === from.hour ? String(from.hour) : `${from.hour}-${endHour - 1}`;
  const dayOfWeek = groups.days ? parseDays(groups.days) : '*';
  if (unit === 'm') {
    if (60 % step !== 0) {
      throw new PhraseRefusal(
        `every ${step} minutes does not divide the hour, so cron cannot keep the step`,
        'between',
      );
    }
    return cron(step === 1 ? '*' : `*/${step}`, hours, '*', '*', dayOfWeek);
  }
  if (unit === 'h')
    return cron('0', step === 1 ? hours : `${from.hour}-${endHour - 1}/${step}`, '*', '*', dayOfWeek);
  throw new PhraseRefusal('a time window takes a step in minutes or hours', 'between');
}

function monthly(days: string | undefined, times: string | undefined): string {
  const { minute, hour } = parseTimes(times);
  if (!days) return cron(minute, hour, '1', '*', '*');
  const dayOfMonth = /last/.test(days)
    ? 'L'
    : [...new Set(days.split(' and ').map(parseDayOfMonth))].sort((a, b) => a - b).join(',');
  return cron(minute, hour, dayOfMonth, '*', '*');
}

function yearly(groups: Record<string, string | undefined>): string {
  const { minute, hour } = parseTimes(groups.times);
  const month = groups.month ?? groups.month2;
  const day = groups.day ?? groups.day2;
  if (!month || !day) return cron(minute, hour, '1', '1', '*');
  return cron(minute, hour, String(parseDayOfMonth(day)), String(parseMonth(month)), '*');
}

const EVERY_OTHER =
  'cron cannot fire every other week or day exactly (a step restarts each month or year), and an interval would drift an hour at each DST change';

export const RECURRENCE_RULES: readonly RecurrenceRule[] = [
  {
    shape: 'every other week / day …, biweekly, fortnightly (refused)',
    pattern: /^(?:every (?:other|alternate|second) .*|(?:bi-?weekly|fortnightly|every fortnight)(?: .*)?)$/,
    build: () => {
      throw new PhraseRefusal(EVERY_OTHER, 'every-other');
    },
  },
  {
    shape: 'every N days / weeks at a time or on a day (refused)',
    pattern: new RegExp(`^every ${COUNT} (?:days?|weeks?) (?:at|on) .*$`),
    build: () => {
      throw new PhraseRefusal(EVERY_OTHER, 'every-other');
    },
  },
  {
    shape: 'every [N] minutes / hours between <time> and <time> [on <days>]',
    pattern: new RegExp(
      `^every (?:(?<count>${COUNT}) )?(?<unit>${UNIT}) (?:between|from) (?<from>${TIME}) (?:and|to|until) (?<to>${TIME})(?: on ${DAY_SET})?$`,
    ),
    build: windowed,
  },
  {
    shape: 'every N seconds / minutes / hours / days / weeks',
    pattern: new RegExp(`^(?:every|each) (?<count>${COUNT}) (?<unit>${UNIT})$`),
    build: (groups) => interval(groups.count!, groups.unit!),
  },
  {
    shape: 'every second / minute',
    pattern: /^(?:every|each) (?<unit>second|sec|minute|min)$/,
    build: (groups) => (groups.unit!.startsWith('s') ? 'cron:* * * * * *' : 'cron:* * * * *'),
  },
  {
    shape: 'hourly, every hour [at minute M / at :MM / M minutes past]',
    pattern:
      /^(?:hourly|(?:every|each) hour)(?: at (?:minute (?<m1>\d{1,2})|:(?<m2>\d{2})|(?<m3>\d{1,2}) (?:minutes? )?past(?: the hour)?))?$/,
    build: (groups) => {
      const minute = Number(groups.m1 ?? groups.m2 ?? groups.m3 ?? 0);
      if (minute > 59) throw new PhraseRefusal(`minute ${minute} is not 0-59`, 'time');
      return cron(String(minute), '*', '*', '*', '*');
    },
  },
  {
    shape: 'daily / every day / every weekday / every weekend / every <days> [at <times>]',
    pattern: new RegExp(`^(?:daily|(?:every|each) ${DAY_SET})${AT}$`),
    build: (groups) => daily(groups.times, groups.days ? parseDays(groups.days) : '*'),
  },
  {
    shape: '[on] weekdays / weekends / mondays and fridays [at <times>] (plural days repeat)',
    pattern: new RegExp(`^(?:on )?(?<days>weekdays|weekends|${PLURAL_DAYS})${AT}$`),
    build: (groups) => daily(groups.times, parseDays(groups.days!)),
  },
  {
    shape: 'weekly / every week [on <days>] [at <times>] (Sunday when no day is named)',
    pattern: new RegExp(`^(?:weekly|(?:every|each) week)(?: on (?<days>${DAYS}))?${AT}$`),
    build: (groups) => daily(groups.times, groups.days ? parseDays(groups.days) : '0'),
  },
  {
    shape: 'monthly / every month [on the Nth / last day] [at <times>]',
    pattern: new RegExp(
      `^(?:monthly|(?:every|each) month)(?: on the (?<days>last day|${ORDINAL}(?: and ${ORDINAL})*))?${AT}$`,
    ),
    build: (groups) => monthly(groups.days, groups.times),
  },
  {
    shape: '[on] the Nth [and Mth] / last day of every month [at <times>]',
    pattern: new RegExp(
      `^(?:on )?the (?<days>last day|${ORDINAL}(?: and ${ORDINAL})*)(?: day)? of (?:every|each|the) month${AT}$`,
    ),
    build: (groups) => monthly(groups.days, groups.times),
  },
  {
    shape: 'yearly / annually / every year [on <month> <day> / <day> <month>] [at <times>]',
    pattern: new RegExp(
      `^(?:yearly|annually|(?:every|each) year)(?: on (?:(?<month>${MONTH}) (?<day>${ORDINAL})|(?:the )?(?<day2>${ORDINAL})(?: of)? (?<month2>${MONTH})))?${AT}$`,
    ),
    build: yearly,
  },
  {
    shape: 'the first / last <day> of the month, every Nth … (refused)',
    pattern: new RegExp(`(?:first|second|third|fourth|last) ${DAY} of|every \\d+(?:st|nd|rd|th) `),
    build: () => {
      throw new PhraseRefusal(
        'cron cannot name the first or last weekday of a month (its two day fields combine with "or")',
        'monthly',
      );
    },
  },
];

/** The spec of a recurring phrase, null when no row reads it (it may still be a one-off). */
export function readRecurrence(text: string): string | null {
  for (const rule of RECURRENCE_RULES) {
    const match = rule.pattern.exec(text);
    if (match) return rule.build(match.groups ?? {});
  }
  return null;
}
