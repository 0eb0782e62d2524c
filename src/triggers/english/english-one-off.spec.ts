import { DateTime } from 'luxon';
import { parseEnglishSchedule } from './english-schedule';
import { DST_REFERENCES, triggerFires } from './english-dst.test-helper';

/**
 * The one-off half of the phrase corpus: each phrase with the `at:` spec it must become when
 * read in UTC on Wednesday 10 March 2027 at noon, and the rule its wall time follows from any
 * reference (`expected`). Read again in New York and in Berlin three seconds before their clocks
 * spring forward and fall back, each must fire at the rule's wall time in the new offset.
 */
const NOW = new Date('2027-03-10T12:00:00Z');

type WallTime = (reference: DateTime) => DateTime;

const wall = (day: DateTime, hour: number, minute = 0) =>
  DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: day.zone });
/** `at 5pm`: today, or tomorrow once the time has passed. */
const todayOrTomorrow =
  (hour: number, minute = 0): WallTime =>
  (reference) => {
    const today = wall(reference, hour, minute);
    return today > reference ? today : wall(reference.plus({ days: 1 }), hour, minute);
  };
const inDays =
  (days: number, hour: number, minute = 0): WallTime =>
  (reference) =>
    wall(reference.plus({ days }), hour, minute);
/** `friday at 9am`: the coming one (today, if the time is still ahead). */
const coming =
  (weekday: number, hour: number, minute = 0): WallTime =>
  (reference) => {
    const today = wall(reference, hour, minute);
    const ahead = (weekday - reference.weekday + 7) % 7;
    return ahead === 0 && today > reference
      ? today
      : wall(reference.plus({ days: ahead || 7 }), hour, minute);
  };
/** `next friday`: that day in the next week, weeks starting on Monday (chrono-node's reading). */
const nextWeek =
  (weekday: number, hour: number, minute = 0): WallTime =>
  (reference) =>
    wall(reference.startOf('week').plus({ weeks: 1, days: weekday - 1 }), hour, minute);
const onDate =
  (year: number, month: number, day: number, hour: number, minute = 0): WallTime =>
  (reference) =>
    DateTime.fromObject({ year, month, day, hour, minute }, { zone: reference.zone });

/** `may 14 at 2:30pm`: that date this year, or next year once it has passed. */
const nextOn =
  (month: number, day: number, hour: number, minute = 0): WallTime =>
  (reference) => {
    const thisYear = DateTime.fromObject(
      { year: reference.year, month, day, hour, minute },
      { zone: reference.zone },
    );
    return thisYear > reference ? thisYear : thisYear.plus({ years: 1 });
  };

type Row = [phrase: string, spec: string, expected: WallTime, zone: string | null];

export const ONE_OFF: Row[] = [
  ['tomorrow at 3pm', 'at:2027-03-11T15:00:00', inDays(1, 15), null],
  ['tomorrow at 9', 'at:2027-03-11T09:00:00', inDays(1, 9), null],
  ['tomorrow at noon', 'at:2027-03-11T12:00:00', inDays(1, 12), null],
  ['tomorrow at 8:45am', 'at:2027-03-11T08:45:00', inDays(1, 8, 45), null],
  ['the day after tomorrow at 8am', 'at:2027-03-12T08:00:00', inDays(2, 8), null],
  ['today at 6pm', 'at:2027-03-10T18:00:00', inDays(0, 18), null],
  ['tonight at 11pm', 'at:2027-03-10T23:00:00', inDays(0, 23), null],
  ['at 5pm', 'at:2027-03-10T17:00:00', todayOrTomorrow(17), null],
  ['at 9am', 'at:2027-03-11T09:00:00', todayOrTomorrow(9), null],
  ['at 17:00', 'at:2027-03-10T17:00:00', todayOrTomorrow(17), null],
  ['at 9pm', 'at:2027-03-10T21:00:00', todayOrTomorrow(21), null],
  ['at 9am tomorrow', 'at:2027-03-11T09:00:00', inDays(1, 9), null],
  ['friday at 9am', 'at:2027-03-12T09:00:00', coming(5, 9), null],
  ['this friday at 5pm', 'at:2027-03-12T17:00:00', coming(5, 17), null],
  ['on sunday at 10am', 'at:2027-03-14T10:00:00', coming(7, 10), null],
  ['on monday at 10', 'at:2027-03-15T10:00:00', coming(1, 10), null],
  ['at 3:30 pm on friday', 'at:2027-03-12T15:30:00', coming(5, 15, 30), null],
  ['next friday at 9', 'at:2027-03-19T09:00:00', nextWeek(5, 9), null],
  ['next monday at 9:30', 'at:2027-03-15T09:30:00', nextWeek(1, 9, 30), null],
  ['on 14 May 2027 at 14:30', 'at:2027-05-14T14:30:00', onDate(2027, 5, 14, 14, 30), null],
  ['may 14 at 2:30pm', 'at:2027-05-14T14:30:00', nextOn(5, 14, 14, 30), null],
  ['on May 14, 2027 at 2:30pm', 'at:2027-05-14T14:30:00', onDate(2027, 5, 14, 14, 30), null],
  ['14 may 2027 at 9:00', 'at:2027-05-14T09:00:00', onDate(2027, 5, 14, 9), null],
  ['on 2027-05-14 at 14:30', 'at:2027-05-14T14:30:00', onDate(2027, 5, 14, 14, 30), null],
  ['tomorrow at 3pm Berlin time', 'at:2027-03-11T15:00:00', inDays(1, 15), 'Europe/Berlin'],
  ['at 17:00 UTC', 'at:2027-03-10T17:00:00', todayOrTomorrow(17), 'UTC'],
  [
    'on 1 june 2027 at noon New York time',
    'at:2027-06-01T12:00:00',
    onDate(2027, 6, 1, 12),
    'America/New_York',
  ],
];

describe('plain-English corpus: one-off dates and times', () => {
  it.each(ONE_OFF)('%s → %s', (phrase, spec, _expected, zone) => {
    const read = parseEnglishSchedule(phrase, { timezone: 'UTC', timezoneGiven: false, now: NOW });
    expect(read).toMatchObject({ spec, type: 'once', timezone: zone ?? 'UTC', interpretedFrom: phrase });
    expect(read.description).toBe(`Once at ${spec.slice(3, 13)} ${spec.slice(14, 19)} ${zone ?? 'UTC'}`);
  });

  describe.each(DST_REFERENCES)(
    'read just before the DST change in %s (%s)',
    (contextZone, _change, reference) => {
      it.each(ONE_OFF)('%s fires at its wall time', (phrase, _spec, expected, zone) => {
        const timezone = zone ?? contextZone;
        const read = parseEnglishSchedule(phrase, {
          timezone: contextZone,
          timezoneGiven: false,
          now: reference,
        });
        expect(read.timezone).toBe(timezone);
        const want = expected(DateTime.fromJSDate(reference, { zone: timezone }));
        expect(read.spec).toBe(`at:${want.toFormat("yyyy-MM-dd'T'HH:mm:ss")}`);
        expect(triggerFires(read.spec, timezone, reference)).toEqual([want.toJSDate()]);
      });
    },
  );

  it('reads a one-off against the clock it is given, in the zone it is given', () => {
    const read = (timezone: string) =>
      parseEnglishSchedule('at 5pm', {
        timezone,
        timezoneGiven: true,
        now: new Date('2027-03-10T20:00:00Z'),
      });
    // 20:00 UTC: 5pm has passed in UTC and in Berlin (21:00), not in New York (15:00).
    expect(read('UTC').spec).toBe('at:2027-03-11T17:00:00');
    expect(read('Europe/Berlin').spec).toBe('at:2027-03-11T17:00:00');
    expect(read('America/New_York').spec).toBe('at:2027-03-10T17:00:00');
  });
});
