import { parseEnglishSchedule } from './english-schedule';
import { DST_REFERENCES, FIRES, offsetAt, oracleFires, triggerFires } from './english-dst.test-helper';

/**
 * The recurring and delay half of the phrase corpus: each phrase with the spec it must become
 * (read in UTC on Wednesday 10 March 2027, noon), and the zone it names if it names one. Each
 * phrase is then read again in New York and in Berlin three seconds before their clocks spring
 * forward and fall back, and its first five fires are checked against an oracle written apart
 * from croner.
 */
const NOW = new Date('2027-03-10T12:00:00Z');

type Row = [phrase: string, spec: string, zone?: string];

export const RECURRING: Row[] = [
  // every N units: an interval from when the schedule is saved
  ['every 30 seconds', 'every 30s'],
  ['every 1 second', 'every 1s'],
  ['every 10 secs', 'every 10s'],
  ['every 90 seconds', 'every 90s'],
  ['every thirty seconds', 'every 30s'],
  ['every 5 minutes', 'every 5m'],
  ['every 15 minutes', 'every 15m'],
  ['every fifteen minutes', 'every 15m'],
  ['every 45 mins', 'every 45m'],
  ['every 1 minute', 'every 1m'],
  ['every two minutes', 'every 2m'],
  ['each 20 minutes', 'every 20m'],
  ['every 90 minutes', 'every 90m'],
  ['every 2 hours', 'every 2h'],
  ['every 1 hour', 'every 1h'],
  ['every 3 hrs', 'every 3h'],
  ['every twelve hours', 'every 12h'],
  ['every 36 hours', 'every 36h'],
  ['every 2 days', 'every 2d'],
  ['every 7 days', 'every 7d'],
  ['every 2 weeks', 'every 2w'],
  ['every 1 week', 'every 1w'],
  ['Every 4 Weeks', 'every 4w'],
  // calendar units: on the second, minute, hour
  ['every second', 'cron:* * * * * *'],
  ['every minute', 'cron:* * * * *'],
  ['every hour', 'cron:0 * * * *'],
  ['each hour', 'cron:0 * * * *'],
  ['hourly', 'cron:0 * * * *'],
  ['hourly at :15', 'cron:15 * * * *'],
  ['every hour at minute 45', 'cron:45 * * * *'],
  ['hourly at 5 minutes past', 'cron:5 * * * *'],
  ['every hour at 30 past the hour', 'cron:30 * * * *'],
  // every day
  ['daily', 'cron:0 0 * * *'],
  ['every day', 'cron:0 0 * * *'],
  ['daily at noon', 'cron:0 12 * * *'],
  ['daily at midnight', 'cron:0 0 * * *'],
  ['daily at 6pm', 'cron:0 18 * * *'],
  ['every day at 9am', 'cron:0 9 * * *'],
  ['every day at 9', 'cron:0 9 * * *'],
  ['every day at 09:00', 'cron:0 9 * * *'],
  ['every day at 9:30am', 'cron:30 9 * * *'],
  ['every day at 9:30 pm', 'cron:30 21 * * *'],
  ['every day at 21:15', 'cron:15 21 * * *'],
  ['every day at 12am', 'cron:0 0 * * *'],
  ['every day at 12pm', 'cron:0 12 * * *'],
  ['every day at 5 p.m.', 'cron:0 17 * * *'],
  ["every day at 10 o'clock", 'cron:0 10 * * *'],
  ['every day at 7:05am', 'cron:5 7 * * *'],
  ['every day at 23:59', 'cron:59 23 * * *'],
  ['every day at 9am and 5pm', 'cron:0 9,17 * * *'],
  ['every day at 8am, 12pm and 6pm', 'cron:0 8,12,18 * * *'],
  ['every day at 6:30 and 18:30', 'cron:30 6,18 * * *'],
  ['at 7am every day', 'cron:0 7 * * *'],
  ['at noon every day', 'cron:0 12 * * *'],
  ['each day at 6:45', 'cron:45 6 * * *'],
  ['Every Day At 9AM', 'cron:0 9 * * *'],
  ['every day at 9am.', 'cron:0 9 * * *'],
  // weekdays and weekends
  ['every weekday', 'cron:0 0 * * 1-5'],
  ['every weekday at 9', 'cron:0 9 * * 1-5'],
  ['every weekday at 9am', 'cron:0 9 * * 1-5'],
  ['every weekday at 9am and 1pm', 'cron:0 9,13 * * 1-5'],
  ['weekdays at 9am', 'cron:0 9 * * 1-5'],
  ['on weekdays at 8:30', 'cron:30 8 * * 1-5'],
  ['at 9am on weekdays', 'cron:0 9 * * 1-5'],
  ['every weekend at 10am', 'cron:0 10 * * 0,6'],
  ['weekends at 10', 'cron:0 10 * * 0,6'],
  ['on weekends at 11am', 'cron:0 11 * * 0,6'],
  ['every weekend day at noon', 'cron:0 12 * * 0,6'],
  // named days
  ['every monday', 'cron:0 0 * * 1'],
  ['every monday at 9am', 'cron:0 9 * * 1'],
  ['every mon at 9', 'cron:0 9 * * 1'],
  ['every tuesday at 14:00', 'cron:0 14 * * 2'],
  ['every wed at 6pm', 'cron:0 18 * * 3'],
  ['every thursday at noon', 'cron:0 12 * * 4'],
  ['every friday at 17:00', 'cron:0 17 * * 5'],
  ['every saturday at 8am', 'cron:0 8 * * 6'],
  ['every sunday at 10pm', 'cron:0 22 * * 0'],
  ['every sunday at midnight', 'cron:0 0 * * 0'],
  ['each friday at noon', 'cron:0 12 * * 5'],
  ['every monday and thursday at 10am', 'cron:0 10 * * 1,4'],
  ['every monday, wednesday and friday at 9am', 'cron:0 9 * * 1,3,5'],
  ['every monday, wednesday, and friday at 7', 'cron:0 7 * * 1,3,5'],
  ['every tue and thu at 18:30', 'cron:30 18 * * 2,4'],
  ['every saturday and sunday at 9am', 'cron:0 9 * * 0,6'],
  ['every monday to friday at 8am', 'cron:0 8 * * 1-5'],
  ['every monday through friday at 8am', 'cron:0 8 * * 1-5'],
  ['every mon-fri at 8am', 'cron:0 8 * * 1-5'],
  ['every mon - fri at 8am', 'cron:0 8 * * 1-5'],
  ['every tuesday thru thursday at 9', 'cron:0 9 * * 2-4'],
  ['mondays at 10', 'cron:0 10 * * 1'],
  ['fridays at 4pm', 'cron:0 16 * * 5'],
  ['mondays and fridays at 9', 'cron:0 9 * * 1,5'],
  ['on mondays at 9am', 'cron:0 9 * * 1'],
  ['on sundays', 'cron:0 0 * * 0'],
  ['at 6pm on fridays', 'cron:0 18 * * 5'],
  // weekly
  ['weekly', 'cron:0 0 * * 0'],
  ['every week', 'cron:0 0 * * 0'],
  ['weekly at 8am', 'cron:0 8 * * 0'],
  ['weekly on monday', 'cron:0 0 * * 1'],
  ['weekly on friday at 5pm', 'cron:0 17 * * 5'],
  ['every week on tuesday at 9:15', 'cron:15 9 * * 2'],
  // monthly
  ['monthly', 'cron:0 0 1 * *'],
  ['every month', 'cron:0 0 1 * *'],
  ['monthly at 9am', 'cron:0 9 1 * *'],
  ['monthly on the 15th', 'cron:0 0 15 * *'],
  ['monthly on the 1st at 9am', 'cron:0 9 1 * *'],
  ['monthly on the last day at 18:00', 'cron:0 18 L * *'],
  ['every month on the 10th at 6pm', 'cron:0 18 10 * *'],
  ['on the 1st of every month', 'cron:0 0 1 * *'],
  ['on the 1st of every month at 9am', 'cron:0 9 1 * *'],
  ['on the first of every month at 8', 'cron:0 8 1 * *'],
  ['the 15th of each month at noon', 'cron:0 12 15 * *'],
  ['on the 2nd of each month at 7:30am', 'cron:30 7 2 * *'],
  ['on the 5th day of every month', 'cron:0 0 5 * *'],
  ['on the 28th of every month at 10pm', 'cron:0 22 28 * *'],
  ['on the 1st and 15th of every month at 9am', 'cron:0 9 1,15 * *'],
  ['on the last day of every month', 'cron:0 0 L * *'],
  ['on the last day of every month at 9am', 'cron:0 9 L * *'],
  ['the last day of the month at 23:00', 'cron:0 23 L * *'],
  // yearly
  ['yearly', 'cron:0 0 1 1 *'],
  ['annually', 'cron:0 0 1 1 *'],
  ['every year', 'cron:0 0 1 1 *'],
  ['yearly at noon', 'cron:0 12 1 1 *'],
  ['yearly on may 14 at 9am', 'cron:0 9 14 5 *'],
  ['every year on 1 january at midnight', 'cron:0 0 1 1 *'],
  ['every year on the 25th of december at 8am', 'cron:0 8 25 12 *'],
  ['annually on jul 4', 'cron:0 0 4 7 *'],
  // windows within the day
  ['every 15 minutes between 9am and 5pm on weekdays', 'cron:*/15 9-16 * * 1-5'],
  ['every 30 minutes between 8:00 and 18:00', 'cron:*/30 8-17 * * *'],
  ['every hour between 9am and 5pm', 'cron:0 9-16 * * *'],
  ['every 2 hours between 8am and 8pm', 'cron:0 8-19/2 * * *'],
  ['every minute between 9am and 10am', 'cron:* 9 * * *'],
  ['every 5 minutes from 9am to 11am', 'cron:*/5 9-10 * * *'],
  ['every 10 minutes between 22:00 and midnight', 'cron:*/10 22-23 * * *'],
  ['every 20 minutes between 9am and 5pm on mondays', 'cron:*/20 9-16 * * 1'],
  ['every 15 minutes between 9am and 5pm on monday and friday', 'cron:*/15 9-16 * * 1,5'],
  // a zone in the text
  ['every day at 9am Berlin time', 'cron:0 9 * * *', 'Europe/Berlin'],
  ['every weekday at 9am New York time', 'cron:0 9 * * 1-5', 'America/New_York'],
  ['every day at 17:00 UTC', 'cron:0 17 * * *', 'UTC'],
  ['every day at 17:00 utc time', 'cron:0 17 * * *', 'UTC'],
  ['every day at 6pm GMT', 'cron:0 18 * * *', 'UTC'],
  ['every monday at 10am in Europe/London', 'cron:0 10 * * 1', 'Europe/London'],
  ['every day at 8am in Tokyo time', 'cron:0 8 * * *', 'Asia/Tokyo'],
  ['every hour in America/Chicago', 'cron:0 * * * *', 'America/Chicago'],
  ['every 15 minutes UTC', 'every 15m', 'UTC'],
  ['at 9am every day Berlin time', 'cron:0 9 * * *', 'Europe/Berlin'],
  // delays: one fire, fixed when the schedule is saved
  ['in 2 hours', 'in:2h'],
  ['in 30 minutes', 'in:30m'],
  ['in an hour', 'in:1h'],
  ['in a minute', 'in:1m'],
  ['in half an hour', 'in:30m'],
  ['in 1 hour and 30 minutes', 'in:1h30m'],
  ['in 10 seconds', 'in:10s'],
  ['in 3 days', 'in:3d'],
  ['in 2 weeks', 'in:2w'],
  ['in five minutes', 'in:5m'],
  ['in 90 minutes', 'in:90m'],
  ['in 2 hours Berlin time', 'in:2h', 'Europe/Berlin'],
];

/** Every row with three cells: jest hands a missing cell's place to its `done` callback. */
const ROWS = RECURRING.map(([phrase, spec, zone]): [string, string, string | null] => [
  phrase,
  spec,
  zone ?? null,
]);

describe('plain-English corpus: recurring phrases and delays', () => {
  it.each(ROWS)('%s → %s', (phrase, spec, zone) => {
    const read = parseEnglishSchedule(phrase, { timezone: 'UTC', timezoneGiven: false, now: NOW });
    expect(read).toMatchObject({ spec, timezone: zone ?? 'UTC', interpretedFrom: phrase });
    expect(read.description).not.toBe('');
  });

  describe.each(DST_REFERENCES)('across the DST change in %s (%s)', (contextZone, _change, reference) => {
    it.each(ROWS)('%s fires as the oracle says', (phrase, spec, zone) => {
      const read = parseEnglishSchedule(phrase, {
        timezone: contextZone,
        timezoneGiven: false,
        now: reference,
      });
      const timezone = zone ?? contextZone;
      expect(read).toMatchObject({ spec, timezone });
      const fires = triggerFires(read.spec, timezone, reference);
      expect(fires).toEqual(oracleFires(spec, timezone, reference));
      expect(fires.length).toBe(spec.startsWith('in:') ? 1 : FIRES);
      // The fires reach past the change, which comes three seconds after the reference.
      expect(fires[fires.length - 1].getTime()).toBeGreaterThanOrEqual(reference.getTime() + 3_000);
      expect(offsetAt(new Date(reference.getTime() + 3_000), contextZone)).not.toBe(
        offsetAt(reference, contextZone),
      );
    });
  });
});
