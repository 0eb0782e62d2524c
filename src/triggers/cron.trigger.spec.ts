import { DateTime } from 'luxon';
import { InvalidScheduleError } from '../domain/domain-error';
import { COMPILED_CRON_LIMIT, compiledCronCount, CronTrigger, toCronerPattern } from './cron.trigger';

const MINUTE = 60_000;
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The first `count` fires strictly after `from`, each asked for with the previous (as the runner does). */
function fires(expression: string, zone: string, from: string, count: number): (string | null)[] {
  const trigger = new CronTrigger(expression, zone);
  const out: (string | null)[] = [];
  let previous: Date | null = null;
  for (let i = 0; i < count; i++) {
    const next: Date | null = trigger.nextFireTime(previous, at(from));
    out.push(iso(next));
    if (next === null) break;
    previous = next;
  }
  return out;
}

/*
 * Every expected instant below is worked out from the calendar and the zones' rules, not read
 * back from the code:
 * - America/New_York: EST -5 / EDT -4; 02:00 -> 03:00 on the 2nd Sunday of March (2026-03-08,
 *   2027-03-14, 2028-03-12); 02:00 -> 01:00 on the 1st Sunday of November (2026-11-01,
 *   2027-11-07, 2028-11-05).
 * - Europe/Berlin: CET +1 / CEST +2; at 01:00 UTC on the last Sunday of March (2026-03-29,
 *   2027-03-28, 2028-03-26) 02:00 -> 03:00, and of October (2026-10-25, 2027-10-31, 2028-10-29)
 *   03:00 -> 02:00. Europe/London (GMT / BST) changes at the same instants, 01:00 -> 02:00 and
 *   02:00 -> 01:00 local.
 * - Australia/Sydney: AEST +10 / AEDT +11; 03:00 -> 02:00 on the 1st Sunday of April
 *   (2026-04-05, 2027-04-04, 2028-04-02); 02:00 -> 03:00 on the 1st Sunday of October
 *   (2026-10-04, 2027-10-03, 2028-10-01).
 * - Australia/Lord_Howe: +10:30 / +11, a half-hour change: 02:00 -> 02:30 on the 1st Sunday of
 *   October, 02:00 -> 01:30 on the 1st Sunday of April.
 */
// prettier-ignore
const DST: [title: string, expression: string, zone: string, from: string, expected: string[]][] = [
  // fixed time in the skipped hour: once, at the instant right after the change (03:00 local)
  ['New York spring 2026', '30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']],
  ['New York spring 2027', '30 2 * * *', 'America/New_York', '2027-03-13T12:00:00Z', ['2027-03-14T07:00:00.000Z', '2027-03-15T06:30:00.000Z']],
  ['New York spring 2028', '30 2 * * *', 'America/New_York', '2028-03-11T12:00:00Z', ['2028-03-12T07:00:00.000Z', '2028-03-13T06:30:00.000Z']],
  ['Berlin spring 2026', '30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']],
  ['Berlin spring 2027', '30 2 * * *', 'Europe/Berlin', '2027-03-27T12:00:00Z', ['2027-03-28T01:00:00.000Z', '2027-03-29T00:30:00.000Z']],
  ['Berlin spring 2028', '30 2 * * *', 'Europe/Berlin', '2028-03-25T12:00:00Z', ['2028-03-26T01:00:00.000Z', '2028-03-27T00:30:00.000Z']],
  ['London spring 2027', '30 1 * * *', 'Europe/London', '2027-03-27T12:00:00Z', ['2027-03-28T01:00:00.000Z', '2027-03-29T00:30:00.000Z']],
  ['Sydney spring 2026', '30 2 * * *', 'Australia/Sydney', '2026-10-03T00:00:00Z', ['2026-10-03T16:00:00.000Z', '2026-10-04T15:30:00.000Z']],
  ['Sydney spring 2027', '30 2 * * *', 'Australia/Sydney', '2027-10-02T00:00:00Z', ['2027-10-02T16:00:00.000Z', '2027-10-03T15:30:00.000Z']],
  ['Sydney spring 2028', '30 2 * * *', 'Australia/Sydney', '2028-09-30T00:00:00Z', ['2028-09-30T16:00:00.000Z', '2028-10-01T15:30:00.000Z']],
  ['Lord Howe spring 2026 (half-hour jump)', '15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z', ['2026-10-03T15:30:00.000Z', '2026-10-04T15:15:00.000Z']],
  // 6 fields with a fixed second are fixed time too
  ['Berlin spring 2026, 6 fields', '0 30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']],
  // several fixed times in the skipped hour still fire once; one after the gap fires as usual
  ['New York spring 2026, two times in the gap', '0,30 2 * * *', 'America/New_York', '2026-03-08T05:00:00Z', ['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z']],
  ['New York spring 2026, 02:30 and 03:30', '30 2,3 * * *', 'America/New_York', '2026-03-08T05:00:00Z', ['2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']],
  // fixed time in the repeated hour: once, at the first occurrence
  ['New York autumn 2026', '30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']],
  ['New York autumn 2027', '30 1 * * *', 'America/New_York', '2027-11-06T12:00:00Z', ['2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']],
  ['New York autumn 2028', '30 1 * * *', 'America/New_York', '2028-11-04T12:00:00Z', ['2028-11-05T05:30:00.000Z', '2028-11-06T06:30:00.000Z']],
  ['New York autumn 2026, asked between the two 01:30s', '30 1 * * *', 'America/New_York', '2026-11-01T06:00:00Z', ['2026-11-02T06:30:00.000Z']],
  ['Berlin autumn 2026', '30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
  ['Berlin autumn 2027', '30 2 * * *', 'Europe/Berlin', '2027-10-30T12:00:00Z', ['2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']],
  ['Berlin autumn 2028', '30 2 * * *', 'Europe/Berlin', '2028-10-28T12:00:00Z', ['2028-10-29T00:30:00.000Z', '2028-10-30T01:30:00.000Z']],
  ['London autumn 2027', '30 1 * * *', 'Europe/London', '2027-10-30T12:00:00Z', ['2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']],
  ['Sydney autumn 2026', '30 2 * * *', 'Australia/Sydney', '2026-04-04T00:00:00Z', ['2026-04-04T15:30:00.000Z', '2026-04-05T16:30:00.000Z']],
  ['Sydney autumn 2027', '30 2 * * *', 'Australia/Sydney', '2027-04-03T00:00:00Z', ['2027-04-03T15:30:00.000Z', '2027-04-04T16:30:00.000Z']],
  ['Sydney autumn 2028', '30 2 * * *', 'Australia/Sydney', '2028-04-01T00:00:00Z', ['2028-04-01T15:30:00.000Z', '2028-04-02T16:30:00.000Z']],
  ['Lord Howe autumn 2026 (half-hour overlap)', '45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T00:00:00Z', ['2026-04-04T14:45:00.000Z', '2026-04-05T15:15:00.000Z']],
  // wildcard or step jobs keep their real spacing: every 30 real minutes through both changes,
  // firing on both passes through the repeated hour
  ['*/30 New York spring 2026', '*/30 * * * *', 'America/New_York', '2026-03-08T05:45:00Z', ['2026-03-08T06:00:00.000Z', '2026-03-08T06:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z']],
  ['*/30 New York autumn 2026', '*/30 * * * *', 'America/New_York', '2026-11-01T04:45:00Z', ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-01T07:00:00.000Z']],
  ['*/30 Berlin spring 2028', '*/30 * * * *', 'Europe/Berlin', '2028-03-26T00:15:00Z', ['2028-03-26T00:30:00.000Z', '2028-03-26T01:00:00.000Z', '2028-03-26T01:30:00.000Z']],
  ['*/30 Berlin autumn 2027', '*/30 * * * *', 'Europe/Berlin', '2027-10-30T23:45:00Z', ['2027-10-31T00:00:00.000Z', '2027-10-31T00:30:00.000Z', '2027-10-31T01:00:00.000Z', '2027-10-31T01:30:00.000Z', '2027-10-31T02:00:00.000Z']],
  ['*/30 Sydney autumn 2027', '*/30 * * * *', 'Australia/Sydney', '2027-04-03T14:45:00Z', ['2027-04-03T15:00:00.000Z', '2027-04-03T15:30:00.000Z', '2027-04-03T16:00:00.000Z', '2027-04-03T16:30:00.000Z', '2027-04-03T17:00:00.000Z']],
  ['*/30 Sydney spring 2028', '*/30 * * * *', 'Australia/Sydney', '2028-09-30T15:15:00Z', ['2028-09-30T15:30:00.000Z', '2028-09-30T16:00:00.000Z', '2028-09-30T16:30:00.000Z']],
  ['hourly New York spring 2026', '0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z', ['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']],
  // a wildcard second makes the job non-fixed: its skipped wall times do not fire at all
  ['wildcard seconds Berlin spring 2026', '* 30 2 * * *', 'Europe/Berlin', '2026-03-29T00:59:58Z', ['2026-03-30T00:30:00.000Z', '2026-03-30T00:30:01.000Z']],
];

// prettier-ignore
const CALENDAR: [title: string, expression: string, from: string, expected: string[]][] = [
  // 2026-01-01 is a Thursday; Fridays in January 2026: 2, 9, 16, 23, 30; Mondays: 5, 12, 19, 26
  ['leap day: next is 2028-02-29, then 2032', '0 0 29 2 *', '2026-01-01T00:00:00Z', ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']],
  ['leap day: 2100 is not a leap year', '0 0 29 2 *', '2097-01-01T00:00:00Z', ['2104-02-29T00:00:00.000Z']],
  ['day 31 skips 30-day months and February', '0 0 31 * *', '2026-01-31T00:00:00Z', ['2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z', '2026-07-31T00:00:00.000Z', '2026-08-31T00:00:00.000Z', '2026-10-31T00:00:00.000Z', '2026-12-31T00:00:00.000Z', '2027-01-31T00:00:00.000Z']],
  ['day 30 skips February only', '0 0 30 * *', '2026-01-30T00:00:00Z', ['2026-03-30T00:00:00.000Z', '2026-04-30T00:00:00.000Z']],
  ['Vixie OR: every 13th and every Friday', '0 0 13 * 5', '2026-01-01T00:00:00Z', ['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z', '2026-01-16T00:00:00.000Z', '2026-01-23T00:00:00.000Z', '2026-01-30T00:00:00.000Z', '2026-02-06T00:00:00.000Z', '2026-02-13T00:00:00.000Z']],
  ['day-of-month * : only Fridays', '0 0 * * 5', '2026-01-01T00:00:00Z', ['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-16T00:00:00.000Z', '2026-01-23T00:00:00.000Z', '2026-01-30T00:00:00.000Z']],
  ['day-of-week * : only the 13th', '0 0 13 * *', '2026-01-01T00:00:00Z', ['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z']],
  ['Vixie OR with a range-step: odd days or Mondays', '0 0 1-31/2 * 1', '2026-01-01T00:00:00Z', ['2026-01-03T00:00:00.000Z', '2026-01-05T00:00:00.000Z', '2026-01-07T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-11T00:00:00.000Z', '2026-01-12T00:00:00.000Z']],
  ['Vixie AND when day-of-month starts with *: odd-day Mondays', '0 0 */2 * 1', '2026-01-01T00:00:00Z', ['2026-01-05T00:00:00.000Z', '2026-01-19T00:00:00.000Z', '2026-02-09T00:00:00.000Z', '2026-02-23T00:00:00.000Z']],
  ['Vixie AND when day-of-month is a list starting with *: Tuesdays', '0 12 *,10 * 2', '2026-01-01T00:00:00Z', ['2026-01-06T12:00:00.000Z', '2026-01-13T12:00:00.000Z', '2026-01-20T12:00:00.000Z']],
  ['Vixie AND when day-of-week starts with *: the 13th only', '0 0 13 * */1', '2026-01-01T00:00:00Z', ['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z']],
  ['Sunday as 0', '0 0 * * 0', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
  ['Sunday as 7', '0 0 * * 7', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
  ['Sunday as SUN', '0 0 * * SUN', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
  ['Sunday as SUN-SUN is Sunday only', '0 0 * * SUN-SUN', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
  ['Sunday as 0-SUN is Sunday only', '0 0 * * 0-SUN', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
  ['5-7 is Friday to Sunday', '0 0 * * 5-7', '2026-01-01T00:00:00Z', ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-09T00:00:00.000Z']],
  ['7,1 is Sunday and Monday', '0 0 * * 7,1', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-05T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
  ['*/2 weekdays are Sun, Tue, Thu, Sat', '0 0 * * */2', '2026-01-01T00:00:00Z', ['2026-01-03T00:00:00.000Z', '2026-01-04T00:00:00.000Z', '2026-01-06T00:00:00.000Z', '2026-01-08T00:00:00.000Z']],
  ['6 fields: every 15 seconds', '*/15 * * * * *', '2026-01-01T00:00:07Z', ['2026-01-01T00:00:15.000Z', '2026-01-01T00:00:30.000Z', '2026-01-01T00:00:45.000Z', '2026-01-01T00:01:00.000Z']],
  ['6 fields: Mondays at 09:00:30', '30 0 9 * * MON', '2026-01-01T00:00:00Z', ['2026-01-05T09:00:30.000Z', '2026-01-12T09:00:30.000Z']],
  ['6 fields: seconds list', '5,50 * * * * *', '2026-01-01T00:00:05Z', ['2026-01-01T00:00:50.000Z', '2026-01-01T00:01:05.000Z']],
  ['months by name, range with step', '0 6 1 JAN-JUL/3 *', '2026-01-01T06:00:00Z', ['2026-04-01T06:00:00.000Z', '2026-07-01T06:00:00.000Z', '2027-01-01T06:00:00.000Z']],
  ['weekdays at a quarter past, in business hours', '15 9-17/4 * * MON-FRI', '2026-01-02T16:00:00Z', ['2026-01-02T17:15:00.000Z', '2026-01-05T09:15:00.000Z', '2026-01-05T13:15:00.000Z', '2026-01-05T17:15:00.000Z']],
];

describe('CronTrigger', () => {
  describe('DST transitions (Vixie rule: fixed times fire once, wildcard jobs keep real spacing)', () => {
    it.each(DST)('%s: %s in %s from %s', (_title, expression, zone, from, expected) => {
      expect(fires(expression, zone, from, expected.length)).toEqual(expected);
    });

    it.each([
      ['America/New_York', '2026-03-08T04:00:00Z'],
      ['America/New_York', '2027-11-07T03:00:00Z'],
      ['Europe/Berlin', '2028-03-25T22:00:00Z'],
      ['Europe/Berlin', '2026-10-24T22:00:00Z'],
      ['Australia/Sydney', '2026-04-04T13:00:00Z'],
      ['Australia/Sydney', '2027-10-02T13:00:00Z'],
    ])('*/30 in %s around %s: 12 fires, each exactly 30 real minutes after the last', (zone, from) => {
      const series = fires('*/30 * * * *', zone, from, 12).map((fire) => at(fire as string).getTime());
      series.slice(1).forEach((fire, i) => expect(fire - series[i]).toBe(30 * MINUTE));
    });

    it('*/30 fires on both passes through the repeated hour in New York (4 fires at 01:xx local)', () => {
      const localOneAm = fires('*/30 * * * *', 'America/New_York', '2026-11-01T04:00:00Z', 12).filter(
        (fire) => DateTime.fromISO(fire as string, { zone: 'America/New_York' }).hour === 1,
      );
      expect(localOneAm).toEqual([
        '2026-11-01T05:00:00.000Z',
        '2026-11-01T05:30:00.000Z',
        '2026-11-01T06:00:00.000Z',
        '2026-11-01T06:30:00.000Z',
      ]);
    });
  });

  describe('calendar', () => {
    it.each(CALENDAR)('%s: %s from %s', (_title, expression, from, expected) => {
      expect(fires(expression, 'UTC', from, expected.length)).toEqual(expected);
    });
  });

  describe('nextFireTime', () => {
    const daily = new CronTrigger('0 9 * * *', 'UTC');

    it('is strictly after now', () => {
      expect(iso(daily.nextFireTime(null, at('2026-01-01T09:00:00.000Z')))).toBe('2026-01-02T09:00:00.000Z');
      expect(iso(daily.nextFireTime(null, at('2026-01-01T09:00:00.001Z')))).toBe('2026-01-02T09:00:00.000Z');
      expect(iso(daily.nextFireTime(null, at('2026-01-01T08:59:59.999Z')))).toBe('2026-01-01T09:00:00.000Z');
    });

    it('with a previous fire, answers the first planned fire after it, even if now is later (a misfire)', () => {
      expect(iso(daily.nextFireTime(at('2026-01-01T09:00:00Z'), at('2026-01-05T12:00:00Z')))).toBe(
        '2026-01-02T09:00:00.000Z',
      );
    });
  });

  describe('latestFireTimeAtOrBefore', () => {
    it.each([
      ['0 9 * * *', 'UTC', '2026-01-10T09:00:00.000Z', '2026-01-10T09:00:00.000Z'],
      ['0 9 * * *', 'UTC', '2026-01-10T08:59:59.999Z', '2026-01-09T09:00:00.000Z'],
      ['0 9 * * *', 'UTC', '2026-01-10T09:00:00.500Z', '2026-01-10T09:00:00.000Z'],
      ['*/15 * * * * *', 'UTC', '2026-01-10T09:00:14.999Z', '2026-01-10T09:00:00.000Z'],
      ['0 0 29 2 *', 'UTC', '2031-06-01T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
      ['0 0 13 * 5', 'UTC', '2026-01-12T00:00:00.000Z', '2026-01-09T00:00:00.000Z'],
      ['0 0 */2 * 1', 'UTC', '2026-02-01T00:00:00.000Z', '2026-01-19T00:00:00.000Z'],
      ['0 9 * * *', 'Europe/Berlin', '2026-07-01T07:30:00.000Z', '2026-07-01T07:00:00.000Z'],
      // the shifted fire in the skipped hour, and only the first of the repeated hour
      ['30 2 * * *', 'America/New_York', '2026-03-08T08:00:00.000Z', '2026-03-08T07:00:00.000Z'],
      ['30 1 * * *', 'America/New_York', '2026-11-01T07:00:00.000Z', '2026-11-01T05:30:00.000Z'],
      ['30 2 * * *', 'Australia/Sydney', '2027-04-03T17:00:00.000Z', '2027-04-03T15:30:00.000Z'],
      // wildcard jobs: the second pass through the repeated hour counts
      ['*/30 * * * *', 'America/New_York', '2026-11-01T06:10:00.000Z', '2026-11-01T06:00:00.000Z'],
    ])('%s in %s at or before %s is %s', (expression, zone, instant, expected) => {
      expect(iso(new CronTrigger(expression, zone).latestFireTimeAtOrBefore(at(instant)))).toBe(expected);
    });
  });

  describe('describe()', () => {
    it.each([
      ['* * * * *', 'UTC', 'Every minute'],
      ['*/5 * * * *', 'UTC', 'Every 5 minutes'],
      ['0 * * * *', 'UTC', 'Every hour'],
      ['30 2 * * *', 'UTC', 'At 02:30 every day'],
      ['30 2 * * *', 'Europe/Berlin', 'At 02:30 every day (Europe/Berlin)'],
      ['@daily', 'UTC', 'At 00:00 every day'],
      ['@weekly', 'UTC', 'At 00:00, only on Sunday'],
      ['0 9 * * MON-FRI', 'America/New_York', 'At 09:00, Monday through Friday (America/New_York)'],
      ['0 0 * * 7', 'UTC', 'At 00:00, only on Sunday'],
      ['0 0 1 * *', 'UTC', 'At 00:00, on day 1 of the month'],
      ['0 0 29 2 *', 'UTC', 'At 00:00, on day 29 of the month, only in February'],
      ['0 0 13 * 5', 'UTC', 'At 00:00, on day 13 of the month, and on Friday'],
      ['0 0 */2 * 1', 'UTC', 'At 00:00, every 2 days in a month, only on Monday'],
      ['0 0 */2 JAN 1-5', 'UTC', 'At 00:00, every 2 days in a month, only in January, Monday through Friday'],
      ['0 12 *,10 * 2', 'UTC', 'At 12:00, only on Tuesday'],
      ['0 0 13 * */1', 'UTC', 'At 00:00, on day 13 of the month'],
      ['0 0 1,* * 1', 'UTC', 'At 00:00 every day'],
      ['*/10 * * * * *', 'UTC', 'Every 10 seconds'],
      ['15 0 12 * * MON', 'UTC', 'At 12:00:15, only on Monday'],
    ])('%s in %s reads "%s"', (expression, zone, text) => {
      expect(new CronTrigger(expression, zone).describe()).toBe(text);
    });
  });

  describe('never-firing expressions', () => {
    it.each(['0 0 31 2 *', '0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 30 2 */2'])(
      '%s never fires',
      (expression) => {
        const trigger = new CronTrigger(expression, 'UTC');
        expect(trigger.nextFireTime(null, at('2026-01-01T00:00:00Z'))).toBeNull();
        expect(() => trigger.assertFiresAfter(at('2026-01-01T00:00:00Z'))).toThrow(
          new InvalidScheduleError(`cron: "${expression}" never fires (no calendar date matches it)`),
        );
      },
    );

    it.each(['0 0 29 2 *', '0 0 31 2 1', '0 0 31 4,6,9,11,12 *'])('%s does fire', (expression) => {
      expect(() =>
        new CronTrigger(expression, 'UTC').assertFiresAfter(at('2026-01-01T00:00:00Z')),
      ).not.toThrow();
    });
  });

  describe('memory', () => {
    const yearTable = (trigger: CronTrigger) =>
      (trigger as unknown as { cron: { _states: { pattern: { year: unknown } } } }).cron._states.pattern.year;

    it('shares one year table between all triggers (croner makes an 80 KB one per pattern)', () => {
      const every = new CronTrigger('* * * * * *', 'UTC');
      const yearly = new CronTrigger('0 0 1 1 *', 'Europe/Berlin');
      expect(yearTable(every)).toBe(yearTable(yearly));
      expect(Object.isFrozen(yearTable(every))).toBe(true);
    });

    it('still crosses years with the shared table', () => {
      expect(fires('0 0 1 1 *', 'UTC', '2026-12-31T23:59:59Z', 3)).toEqual([
        '2027-01-01T00:00:00.000Z',
        '2028-01-01T00:00:00.000Z',
        '2029-01-01T00:00:00.000Z',
      ]);
      const yearly = new CronTrigger('0 0 1 1 *', 'UTC');
      expect(iso(yearly.latestFireTimeAtOrBefore(at('2027-06-01T00:00:00Z')))).toBe(
        '2027-01-01T00:00:00.000Z',
      );
    });
  });

  describe('parsed once per expression and zone', () => {
    const cronOf = (trigger: CronTrigger) => (trigger as unknown as { cron: object }).cron;

    it('triggers with the same expression and zone share one parsed pattern and description', () => {
      const first = new CronTrigger('17 4 * * 1-5', 'Europe/Berlin');
      const count = compiledCronCount();
      const second = new CronTrigger('17 4 * * 1-5', 'Europe/Berlin');

      expect(compiledCronCount()).toBe(count);
      expect(cronOf(second)).toBe(cronOf(first));
      expect(second.describe()).toBe(first.describe());
      expect(second.nextFireTime(null, at('2026-03-06T12:00:00Z'))).toEqual(at('2026-03-09T03:17:00Z'));
    });

    it('a shared pattern answers each trigger for its own instants (no state carried between calls)', () => {
      const a = new CronTrigger('0 */6 * * *', 'UTC');
      const b = new CronTrigger('0 */6 * * *', 'UTC');
      expect(iso(a.nextFireTime(null, at('2026-01-01T07:00:00Z')))).toBe('2026-01-01T12:00:00.000Z');
      expect(iso(b.nextFireTime(null, at('2025-05-05T01:00:00Z')))).toBe('2025-05-05T06:00:00.000Z');
      expect(iso(a.latestFireTimeAtOrBefore(at('2026-01-01T07:00:00Z')))).toBe('2026-01-01T06:00:00.000Z');
    });

    it('a remembered next instant is the same answer croner gives, in a Date of its own for each caller', () => {
      const every15s = new CronTrigger('*/15 * * * * *', 'Europe/Berlin');
      const croner = (every15s as unknown as { cron: { nextRun(from: Date): Date | null } }).cron;
      // More distinct instants than the memo holds, each asked twice: both answers match croner's.
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 200; i++) {
          const from = at(`2026-03-29T00:5${i % 10}:${String(i % 60).padStart(2, '0')}.${i}Z`);
          expect(every15s.nextFireTime(from, from)).toEqual(croner.nextRun(from));
        }
      }
      const first = every15s.nextFireTime(at('2026-03-29T00:59:59Z'), at('2026-03-29T00:00:00Z'))!;
      first.setTime(0);
      expect(iso(every15s.nextFireTime(at('2026-03-29T00:59:59Z'), at('2026-03-29T00:00:00Z')))).toBe(
        '2026-03-29T01:00:00.000Z',
      );
    });

    it('another zone is another pattern (and says so in its description)', () => {
      const utc = new CronTrigger('30 2 * * *', 'UTC');
      const tokyo = new CronTrigger('30 2 * * *', 'Asia/Tokyo');
      expect(cronOf(tokyo)).not.toBe(cronOf(utc));
      expect(tokyo.describe()).toBe(`${utc.describe()} (Asia/Tokyo)`);
      expect(iso(tokyo.nextFireTime(null, at('2026-01-01T00:00:00Z')))).toBe('2026-01-01T17:30:00.000Z');
    });

    it('an invalid expression is refused every time, never kept', () => {
      const count = compiledCronCount();
      for (let i = 0; i < 2; i++)
        expect(() => new CronTrigger('61 * * * *', 'UTC')).toThrow(InvalidScheduleError);
      expect(compiledCronCount()).toBe(count);
    });

    it(`keeps at most ${COMPILED_CRON_LIMIT} patterns, dropping the oldest`, () => {
      const oldest = new CronTrigger('0 0 1 1 *', 'America/Lima');
      for (let i = 0; i < COMPILED_CRON_LIMIT; i++)
        new CronTrigger(`${i % 60} ${Math.floor(i / 60) % 24} ${1 + Math.floor(i / 1440)} * *`, 'Etc/GMT-3');

      expect(compiledCronCount()).toBe(COMPILED_CRON_LIMIT);
      expect(cronOf(new CronTrigger('0 0 1 1 *', 'America/Lima'))).not.toBe(cronOf(oldest));
    });
  });

  describe('toCronerPattern (what croner is given)', () => {
    it.each([
      ['0 0 13 * 5', '0 0 13 * 5'],
      ['0 0 * * *', '0 0 * * *'],
      ['0 0 13 * *', '0 0 13 * *'],
      ['0 0 * * 5', '0 0 * * +5'],
      ['0 0 */2 * 1', '0 0 */2 * +1'],
      ['0 12 *,10 * 2', '0 12 *,10 * +2'],
      ['0 0 13 * */1', '0 0 13 * +*/1'],
      ['0 0 13 * FRI', '0 0 13 * 5'],
      ['0 0 * * SUN-SUN', '0 0 * * +0-0'],
      ['0 0 * * mon-fri', '0 0 * * +1-5'],
      ['0 0 0 1-31/2 * SAT', '0 0 0 1-31/2 * 6'],
    ])('%s -> %s', (normalized, expected) => {
      expect(toCronerPattern(normalized)).toBe(expected);
    });
  });
});
