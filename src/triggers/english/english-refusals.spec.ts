import { InvalidScheduleError } from '../../domain/domain-error';
import { parseEnglishSchedule } from './english-schedule';
import { RefusalKind, SUGGESTIONS } from './phrase-refusal';

/**
 * Phrases refused on purpose, each with why (a fragment of the 400's message) and the
 * suggestions that must come with it. Every refusal names what was understood; every suggestion
 * offered anywhere must itself be read.
 */
const NOW = new Date('2027-03-10T12:00:00Z');
const read = (text: string, timezone = 'UTC', timezoneGiven = false) =>
  parseEnglishSchedule(text, { timezone, timezoneGiven, now: NOW });

type Row = [phrase: string, kind: RefusalKind, reason: string, understood: string];

const REFUSED: Row[] = [
  // every other week / day: cron cannot step weeks, an interval drifts across DST
  ['every other week on monday', 'every-other', 'cannot fire every other week', '"monday" (day)'],
  ['every other day', 'every-other', 'cannot fire every other week or day', '"every" (repetition)'],
  ['every second tuesday', 'every-other', 'every other week', '"tuesday" (day)'],
  ['biweekly on friday', 'every-other', 'every other week', '"biweekly" (alternation)'],
  ['fortnightly', 'every-other', 'every other week', '"fortnightly" (alternation)'],
  ['every 2 weeks on monday', 'every-other', 'every other week', '"2 weeks" (duration)'],
  ['every 3 days at 9am', 'every-other', 'every other week', '"9am" (time)'],
  // days of the month cron cannot keep
  ['the first monday of the month', 'monthly', 'first or last weekday of a month', '"monday" (day)'],
  ['the last friday of every month', 'monthly', 'first or last weekday of a month', '"friday" (day)'],
  ['on the 31st of every month', 'monthly', 'not every month has a 31st', '"31st" (day of the month)'],
  ['monthly on the 30th', 'monthly', 'not every month has a 30th', '"monthly" (recurrence)'],
  ['every month on the 0th', 'monthly', '"0th" is not a day of the month', '"0th" (day of the month)'],
  // times
  ['every day at 9:30 and 17:00', 'times', 'have different minutes', '"9:30" (time)'],
  ['every day at 25:00', 'time', '"25:00" is not a time of day', '"25:00" (time)'],
  ['every day at 13pm', 'time', 'with am/pm the hour is 1-12', '"every" (repetition)'],
  ['every friday to monday at 9', 'days', 'wraps the week', '"friday" (day)'],
  // windows
  ['every 7 minutes between 9am and 5pm', 'between', 'does not divide the hour', '"7 minutes" (duration)'],
  ['every 15 minutes between 9:30am and 5pm', 'between', 'start and end on the hour', '"9:30am" (time)'],
  ['every hour between 5pm and 9am', 'between', 'end after it starts', '"5pm" (time)'],
  ['every 2 days between 9am and 5pm', 'between', 'step in minutes or hours', '"2 days" (duration)'],
  // zones
  ['every day at 9am EST', 'zone', 'EST is ambiguous', '"9am" (time)'],
  ['tomorrow at 3pm IST', 'zone', 'IST is ambiguous', '"tomorrow" (date)'],
  ['every day at 9am Atlantis time', 'zone', '"atlantis" is not a city', '"9am" (time)'],
  ['every day at 9am in Mars/Olympus', 'zone', 'is not an IANA time zone', '"every" (repetition)'],
  // one-offs
  ['tomorrow', 'one-off', 'has no time of day', '"tomorrow" (date)'],
  ['on 14 may 2027', 'one-off', 'has no time of day', '"may" (month)'],
  ['tomorrow at 3pm and every day', 'one-off', 'only "tomorrow at 3pm" reads', '"3pm" (time)'],
  ['from 3pm to 5pm tomorrow', 'one-off', 'is a range', '"5pm" (time)'],
  ['in 0 minutes', 'one-off', 'longer than nothing', '"0 minutes" (duration)'],
  ['tomorrow at 3pm '.repeat(7).trim(), 'one-off', 'at most 100 characters', '"tomorrow" (date)'],
  // counts
  ['every 0 minutes', 'interval', 'the count must be at least 1', '"0 minutes" (duration)'],
  ['every 9999 weeks', 'unknown', 'at most 3650d', '"9999 weeks" (duration)'],
  // not English this grammar reads
  ['every morning', 'unknown', 'not one the grammar knows', '"every" (repetition)'],
  ['every 1.5 hours', 'unknown', 'not one the grammar knows', '"every" (repetition)'],
  ['every weekday at 9am except holidays', 'unknown', 'not one the grammar knows', '"weekday" (recurrence)'],
  ['whenever you like', 'unknown', 'no schedule found', 'understood nothing'],
];

function refusalOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleError);
    return (error as Error).message;
  }
  throw new Error('the phrase was read, not refused');
}

describe('plain-English refusals', () => {
  it.each(REFUSED)('refuses %s (%s)', (phrase, kind, reason, understood) => {
    const message = refusalOf(() => read(phrase));
    expect(message).toContain(`text: could not read ${JSON.stringify(phrase)}: `);
    expect(message).toContain(reason);
    expect(message).toContain(understood);
    const [first, second, third] = SUGGESTIONS[kind];
    expect(message).toContain(`Phrasings that work: "${first}", "${second}" or "${third}"`);
  });

  it.each(Object.entries(SUGGESTIONS).flatMap(([kind, phrases]) => phrases.map((phrase) => [kind, phrase])))(
    'the %s suggestion "%s" is read',
    (_kind, phrase) => {
      expect(read(phrase).spec).toMatch(/^(cron:|every |in:|at:)/);
    },
  );

  it('refuses a zone in the text that differs from the timezone the request names', () => {
    const message = refusalOf(() => read('every day at 9am Berlin time', 'America/New_York', true));
    expect(message).toContain(
      "the text names the zone Europe/Berlin but the request's timezone is America/New_York",
    );
    expect(read('every day at 9am Berlin time', 'Europe/Berlin', true).timezone).toBe('Europe/Berlin');
  });

  it('refuses empty, overlong and zone-less input with a message', () => {
    expect(refusalOf(() => read('   '))).toBe('text: must not be empty; e.g. "every weekday at 9am"');
    expect(refusalOf(() => read('every day '.repeat(60)))).toBe('text: must be at most 500 characters');
    expect(refusalOf(() => read('every day', 'Mars/Olympus'))).toContain(
      'timezone: "Mars/Olympus" is not an IANA time zone',
    );
  });
});
