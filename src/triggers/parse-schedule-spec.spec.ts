import { ErrorCode, InvalidScheduleError } from '../domain/domain-error';
import { BoundedTrigger } from './bounded.trigger';
import { assertFiresInFuture, parseScheduleSpec, SpecContext } from './parse-schedule-spec';
import { isSignalTrigger, SignalTrigger, TriggerType } from './trigger';

/** Wednesday 2026-05-13, 10:17:23.456 UTC: the moment every spec below is submitted. */
const NOW = new Date('2026-05-13T10:17:23.456Z');
const TASK_ID = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';

function context(overrides: Partial<SpecContext> = {}): SpecContext {
  return { timezone: 'UTC', scheduledAt: NOW, ...overrides };
}

/** The error `run` throws, failing the test when it throws nothing. */
function errorOf(run: () => unknown): InvalidScheduleError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScheduleError);
    return error as InvalidScheduleError;
  }
  throw new Error('expected an InvalidScheduleError, but nothing was thrown');
}

interface ValidCase {
  spec: string;
  zone?: string;
  type: TriggerType;
  /** The first `nextFireTime(null, NOW)`, worked out from the calendar. */
  next: string | null;
  describe?: string;
}

/*
 * Expected instants are worked out by hand from the calendar: 2026-05-13 is a Wednesday, so the
 * following Friday is the 15th, Sunday the 17th, Monday the 18th, Tuesday the 19th. In May,
 * Berlin is UTC+2, New York UTC-4 and Sydney UTC+10.
 */
const VALID: ValidCase[] = [
  // cron, 5 fields
  { spec: 'cron:* * * * *', type: 'cron', next: '2026-05-13T10:18:00.000Z', describe: 'Every minute' },
  { spec: 'cron:*/15 * * * *', type: 'cron', next: '2026-05-13T10:30:00.000Z', describe: 'Every 15 minutes' },
  { spec: 'cron:0 * * * *', type: 'cron', next: '2026-05-13T11:00:00.000Z', describe: 'Every hour' },
  { spec: 'cron:30 2 * * *', type: 'cron', next: '2026-05-14T02:30:00.000Z', describe: 'At 02:30 every day' },
  {
    spec: 'cron:0 9 * * MON-FRI',
    type: 'cron',
    next: '2026-05-14T09:00:00.000Z',
    describe: 'At 09:00, Monday through Friday',
  },
  {
    spec: 'cron:0 9 * * 1-5',
    type: 'cron',
    next: '2026-05-14T09:00:00.000Z',
    describe: 'At 09:00, Monday through Friday',
  },
  {
    spec: 'cron:0 0 1 * *',
    type: 'cron',
    next: '2026-06-01T00:00:00.000Z',
    describe: 'At 00:00, on day 1 of the month',
  },
  { spec: 'cron:0 0 1 1 *', type: 'cron', next: '2027-01-01T00:00:00.000Z' },
  // a lone L in day-of-month: the month's last day ("on the last day of every month")
  {
    spec: 'cron:0 9 L * *',
    type: 'cron',
    next: '2026-05-31T09:00:00.000Z',
    describe: 'At 09:00, on the last day of the month',
  },
  {
    spec: 'cron:0 9 l * *',
    zone: 'Europe/Berlin',
    type: 'cron',
    next: '2026-05-31T07:00:00.000Z',
    describe: 'At 09:00, on the last day of the month (Europe/Berlin)',
  },
  {
    spec: 'cron:0 12 * JAN,JUL *',
    type: 'cron',
    next: '2026-07-01T12:00:00.000Z',
    describe: 'At 12:00, only in January and July',
  },
  { spec: 'cron:0 12 * jan,jul *', type: 'cron', next: '2026-07-01T12:00:00.000Z' },
  {
    spec: 'cron:0 0 * * 0',
    type: 'cron',
    next: '2026-05-17T00:00:00.000Z',
    describe: 'At 00:00, only on Sunday',
  },
  {
    spec: 'cron:0 0 * * 7',
    type: 'cron',
    next: '2026-05-17T00:00:00.000Z',
    describe: 'At 00:00, only on Sunday',
  },
  {
    spec: 'cron:0 0 * * SUN',
    type: 'cron',
    next: '2026-05-17T00:00:00.000Z',
    describe: 'At 00:00, only on Sunday',
  },
  { spec: 'cron:0 0 * * SUN-SUN', type: 'cron', next: '2026-05-17T00:00:00.000Z' },
  {
    spec: 'cron:5,35 * * * *',
    type: 'cron',
    next: '2026-05-13T10:35:00.000Z',
    describe: 'At 5 and 35 minutes past the hour',
  },
  { spec: 'cron:0-10 * * * *', type: 'cron', next: '2026-05-13T11:00:00.000Z' },
  { spec: 'cron:10-50/20 * * * *', type: 'cron', next: '2026-05-13T10:30:00.000Z' },
  { spec: 'cron:0 */6 * * *', type: 'cron', next: '2026-05-13T12:00:00.000Z' },
  { spec: 'cron:0 8-18/2 * * *', type: 'cron', next: '2026-05-13T12:00:00.000Z' },
  { spec: 'cron:0 0 */10 * *', type: 'cron', next: '2026-05-21T00:00:00.000Z' },
  { spec: 'cron:0 9 1,15 * *', type: 'cron', next: '2026-05-15T09:00:00.000Z' },
  { spec: 'cron:0 22 * * 1-5', type: 'cron', next: '2026-05-13T22:00:00.000Z' },
  { spec: 'cron:0 0 * * MON,WED,FRI', type: 'cron', next: '2026-05-15T00:00:00.000Z' },
  {
    spec: 'cron:0 0 * * 5-7',
    type: 'cron',
    next: '2026-05-15T00:00:00.000Z',
    describe: 'At 00:00, Friday through Sunday',
  },
  { spec: 'cron:0 0 * * 6-7', type: 'cron', next: '2026-05-16T00:00:00.000Z' },
  { spec: 'cron:0 0 1 FEB-APR/2 *', type: 'cron', next: '2027-02-01T00:00:00.000Z' },
  { spec: 'cron:0 0 29 2 *', type: 'cron', next: '2028-02-29T00:00:00.000Z' },
  { spec: 'cron:0 0 31 * *', type: 'cron', next: '2026-05-31T00:00:00.000Z' },
  { spec: 'cron: 0  0 * * * ', type: 'cron', next: '2026-05-14T00:00:00.000Z' },
  // Vixie day rule: both day fields restricted -> either matches ...
  {
    spec: 'cron:0 0 13 * 5',
    type: 'cron',
    next: '2026-05-15T00:00:00.000Z',
    describe: 'At 00:00, on day 13 of the month, and on Friday',
  },
  { spec: 'cron:0 0 13 * *', type: 'cron', next: '2026-06-13T00:00:00.000Z' },
  { spec: 'cron:0 0 1-31/2 * 1', type: 'cron', next: '2026-05-15T00:00:00.000Z' },
  { spec: 'cron:0 0 12 1-7 * 1', type: 'cron', next: '2026-05-18T12:00:00.000Z' },
  // ... but a field starting with * counts as unrestricted, and then both must match
  {
    spec: 'cron:0 0 */2 * 1',
    type: 'cron',
    next: '2026-05-25T00:00:00.000Z',
    describe: 'At 00:00, every 2 days in a month, only on Monday',
  },
  {
    spec: 'cron:0 12 *,10 * 2',
    type: 'cron',
    next: '2026-05-19T12:00:00.000Z',
    describe: 'At 12:00, only on Tuesday',
  },
  {
    spec: 'cron:0 0 13 * */1',
    type: 'cron',
    next: '2026-06-13T00:00:00.000Z',
    describe: 'At 00:00, on day 13 of the month',
  },
  // nicknames
  { spec: 'cron:@hourly', type: 'cron', next: '2026-05-13T11:00:00.000Z', describe: 'Every hour' },
  { spec: 'cron:@daily', type: 'cron', next: '2026-05-14T00:00:00.000Z', describe: 'At 00:00 every day' },
  { spec: 'cron:@midnight', type: 'cron', next: '2026-05-14T00:00:00.000Z', describe: 'At 00:00 every day' },
  { spec: 'cron:@DAILY', type: 'cron', next: '2026-05-14T00:00:00.000Z' },
  {
    spec: 'cron:@weekly',
    type: 'cron',
    next: '2026-05-17T00:00:00.000Z',
    describe: 'At 00:00, only on Sunday',
  },
  {
    spec: 'cron:@monthly',
    type: 'cron',
    next: '2026-06-01T00:00:00.000Z',
    describe: 'At 00:00, on day 1 of the month',
  },
  {
    spec: 'cron:@yearly',
    type: 'cron',
    next: '2027-01-01T00:00:00.000Z',
    describe: 'At 00:00, on day 1 of the month, only in January',
  },
  { spec: 'cron:@annually', type: 'cron', next: '2027-01-01T00:00:00.000Z' },
  // cron, 6 fields (seconds first)
  {
    spec: 'cron:*/10 * * * * *',
    type: 'cron',
    next: '2026-05-13T10:17:30.000Z',
    describe: 'Every 10 seconds',
  },
  { spec: 'cron:45 * * * * *', type: 'cron', next: '2026-05-13T10:17:45.000Z' },
  {
    spec: 'cron:0 30 9 * * *',
    type: 'cron',
    next: '2026-05-14T09:30:00.000Z',
    describe: 'At 09:30 every day',
  },
  {
    spec: 'cron:15 0 12 * * MON',
    type: 'cron',
    next: '2026-05-18T12:00:15.000Z',
    describe: 'At 12:00:15, only on Monday',
  },
  { spec: 'cron:0 0 0 1 JAN-MAR *', type: 'cron', next: '2027-01-01T00:00:00.000Z' },
  // cron in a zone
  {
    spec: 'cron:0 9 * * *',
    zone: 'Europe/Berlin',
    type: 'cron',
    next: '2026-05-14T07:00:00.000Z',
    describe: 'At 09:00 every day (Europe/Berlin)',
  },
  {
    spec: 'cron:0 9 * * *',
    zone: 'America/New_York',
    type: 'cron',
    next: '2026-05-13T13:00:00.000Z',
    describe: 'At 09:00 every day (America/New_York)',
  },
  { spec: 'cron:30 2 * * *', zone: 'Australia/Sydney', type: 'cron', next: '2026-05-13T16:30:00.000Z' },
  // every: first fire one period after scheduling
  { spec: 'every 30m', type: 'interval', next: '2026-05-13T10:47:23.456Z', describe: 'Every 30 minutes' },
  { spec: 'every:30m', type: 'interval', next: '2026-05-13T10:47:23.456Z', describe: 'Every 30 minutes' },
  {
    spec: 'every 1h30m',
    type: 'interval',
    next: '2026-05-13T11:47:23.456Z',
    describe: 'Every 1 hour 30 minutes',
  },
  { spec: 'every 2w', type: 'interval', next: '2026-05-27T10:17:23.456Z', describe: 'Every 2 weeks' },
  { spec: 'every 1s', type: 'interval', next: '2026-05-13T10:17:24.456Z', describe: 'Every second' },
  { spec: 'every 1m', type: 'interval', next: '2026-05-13T10:18:23.456Z', describe: 'Every minute' },
  { spec: 'every 60s', type: 'interval', next: '2026-05-13T10:18:23.456Z', describe: 'Every minute' },
  { spec: 'every 1h', type: 'interval', next: '2026-05-13T11:17:23.456Z', describe: 'Every hour' },
  { spec: 'every 1d', type: 'interval', next: '2026-05-14T10:17:23.456Z', describe: 'Every day' },
  { spec: 'every 30d', type: 'interval', next: '2026-06-12T10:17:23.456Z', describe: 'Every 30 days' },
  { spec: 'every 1w 2d', type: 'interval', next: '2026-05-22T10:17:23.456Z', describe: 'Every 9 days' },
  {
    spec: 'every 90s',
    type: 'interval',
    next: '2026-05-13T10:18:53.456Z',
    describe: 'Every 1 minute 30 seconds',
  },
  { spec: 'EVERY 5M', type: 'interval', next: '2026-05-13T10:22:23.456Z', describe: 'Every 5 minutes' },
  {
    spec: 'every 30m',
    zone: 'Europe/Berlin',
    type: 'interval',
    next: '2026-05-13T10:47:23.456Z',
    describe: 'Every 30 minutes',
  },
  // at: without an offset in the schedule's zone; Z and offsets honoured
  {
    spec: 'at:2027-05-14T14:30:00',
    type: 'once',
    next: '2027-05-14T14:30:00.000Z',
    describe: 'Once at 2027-05-14 14:30 UTC',
  },
  {
    spec: 'at:2027-05-14T14:30:00Z',
    zone: 'Europe/Berlin',
    type: 'once',
    next: '2027-05-14T14:30:00.000Z',
    describe: 'Once at 2027-05-14 16:30 Europe/Berlin',
  },
  {
    spec: 'at:2027-05-14T14:30:00+02:00',
    type: 'once',
    next: '2027-05-14T12:30:00.000Z',
    describe: 'Once at 2027-05-14 12:30 UTC',
  },
  {
    spec: 'at:2027-05-14T14:30:00',
    zone: 'Europe/Berlin',
    type: 'once',
    next: '2027-05-14T12:30:00.000Z',
    describe: 'Once at 2027-05-14 14:30 Europe/Berlin',
  },
  {
    spec: 'at:2027-05-14T14:30:00',
    zone: 'America/New_York',
    type: 'once',
    next: '2027-05-14T18:30:00.000Z',
    describe: 'Once at 2027-05-14 14:30 America/New_York',
  },
  {
    spec: 'at:2027-01-14T14:30:00',
    zone: 'America/New_York',
    type: 'once',
    next: '2027-01-14T19:30:00.000Z',
  },
  { spec: 'at:2027-05-14 14:30', type: 'once', next: '2027-05-14T14:30:00.000Z' },
  {
    spec: 'at:2027-05-14T14:30:15.250Z',
    type: 'once',
    next: '2027-05-14T14:30:15.250Z',
    describe: 'Once at 2027-05-14 14:30:15 UTC',
  },
  { spec: 'at:2027-05-14T14:30:00-0530', type: 'once', next: '2027-05-14T20:00:00.000Z' },
  { spec: 'at 2027-05-14T14:30:00Z', type: 'once', next: '2027-05-14T14:30:00.000Z' },
  // a repeated wall time is its first occurrence (as cron fires it) ...
  {
    spec: 'at:2026-11-01T01:30:00',
    zone: 'America/New_York',
    type: 'once',
    next: '2026-11-01T05:30:00.000Z',
  },
  { spec: 'at:2026-10-25T02:30:00', zone: 'Europe/Berlin', type: 'once', next: '2026-10-25T00:30:00.000Z' },
  // ... and a skipped one moves forward by the jump (RFC 5545, Temporal "compatible")
  {
    spec: 'at:2026-03-08T02:30:00',
    zone: 'America/New_York',
    type: 'once',
    next: '2026-03-08T07:30:00.000Z',
    describe: 'Once at 2026-03-08 03:30 America/New_York',
  },
  // in: fixed at the moment of scheduling
  {
    spec: 'in:1h',
    type: 'once',
    next: '2026-05-13T11:17:23.456Z',
    describe: 'Once at 2026-05-13 11:17:23 UTC',
  },
  { spec: 'in 1h', type: 'once', next: '2026-05-13T11:17:23.456Z' },
  { spec: 'in:90s', type: 'once', next: '2026-05-13T10:18:53.456Z' },
  { spec: 'in:1s', type: 'once', next: '2026-05-13T10:17:24.456Z' },
  { spec: 'in 2d', type: 'once', next: '2026-05-15T10:17:23.456Z' },
  { spec: 'in:1h30m', type: 'once', next: '2026-05-13T11:47:23.456Z' },
  // signals
  { spec: 'on:deploy', type: 'event', next: null, describe: 'On event "deploy"' },
  { spec: 'on:build.finished', type: 'event', next: null, describe: 'On event "build.finished"' },
  { spec: 'on:ci:main-green_1', type: 'event', next: null, describe: 'On event "ci:main-green_1"' },
  { spec: 'ON:Deploy', type: 'event', next: null, describe: 'On event "Deploy"' },
  {
    spec: `after:${TASK_ID}`,
    type: 'chain',
    next: null,
    describe: `After each successful run of task ${TASK_ID}`,
  },
  {
    spec: `after:${TASK_ID.toUpperCase()}`,
    type: 'chain',
    next: null,
    describe: `After each successful run of task ${TASK_ID}`,
  },
];

const FORMS =
  'expected one of cron:<expression>, every <duration>, at:<ISO time>, in:<duration>, on:<event>, after:<taskId>';
const SHAPE =
  'expected 5 fields "minute hour day-of-month month day-of-week", 6 with seconds first, or a nickname such as @daily';
const DURATION = 'expected a number followed by a unit s, m, h, d or w (e.g. 30s, 30m, 1h30m, 2d)';
const ISO =
  'expected an ISO 8601 date and time such as 2027-05-14T14:30:00, 2027-05-14T14:30:00Z or 2027-05-14T14:30:00+02:00';
const EVENT = 'expected 1-200 letters, digits, _ . : or -, starting with a letter or digit';
const NICKNAMES = 'expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly';
const MINUTE_SYNTAX = 'expected numbers (0-59), ranges (a-b), steps (*/n or a-b/n) and lists (a,b)';

const INVALID: [spec: string, message: string][] = [
  // the spec as a whole
  ['', `schedule: must not be empty; ${FORMS}`],
  ['   ', `schedule: must not be empty; ${FORMS}`],
  ['hourly', `schedule: "hourly" is not a schedule spec; ${FORMS}`],
  ['every', `schedule: "every" is not a schedule spec; ${FORMS}`],
  ['every30m', `schedule: "every30m" is not a schedule spec; ${FORMS}`],
  ['daily at 9', `schedule: "daily at 9" is not a schedule spec; ${FORMS}`],
  ['cronjob:* * * * *', `schedule: "cronjob:* * * * *" is not a schedule spec; ${FORMS}`],
  ['* * * * *', `schedule: "* * * * *" is not a schedule spec; ${FORMS}`],
  [`cron:${'1,'.repeat(250)}1 * * * *`, 'schedule: must be at most 500 characters'],
  // cron: shape
  ['cron:', `cron: empty expression; ${SHAPE}`],
  ['cron:* * * *', `cron: got 4 fields; ${SHAPE}`],
  ['cron:0 0 0 * * * *', `cron: got 7 fields; ${SHAPE}`],
  ['cron:@reboot', `cron: "@reboot" is not a supported nickname; ${NICKNAMES}`],
  ['cron:@every_minute', `cron: "@every_minute" is not a supported nickname; ${NICKNAMES}`],
  // cron: values out of range
  ['cron:61 * * * *', 'minute field: 61 is out of range 0-59'],
  ['cron:* 24 * * *', 'hour field: 24 is out of range 0-23'],
  ['cron:* * 0 * *', 'day-of-month field: 0 is out of range 1-31'],
  ['cron:* * 32 * *', 'day-of-month field: 32 is out of range 1-31'],
  ['cron:* * * 0 *', 'month field: 0 is out of range 1-12'],
  ['cron:* * * 13 *', 'month field: 13 is out of range 1-12'],
  ['cron:* * * * 8', 'day-of-week field: 8 is out of range 0-7'],
  ['cron:60 * * * * *', 'second field: 60 is out of range 0-59'],
  ['cron:0-60 * * * *', 'minute field: 60 is out of range 0-59'],
  // cron: ranges and steps
  ['cron:5-1 * * * *', 'minute field: range 5-1 is backwards; write the smaller value first'],
  ['cron:* * * * FRI-MON', 'day-of-week field: range FRI-MON is backwards; write the smaller value first'],
  ['cron:* * * DEC-JAN *', 'month field: range DEC-JAN is backwards; write the smaller value first'],
  ['cron:*/0 * * * *', 'minute field: step 0 is out of range 1-59'],
  ['cron:*/60 * * * *', 'minute field: step 60 is out of range 1-59'],
  ['cron:* */24 * * *', 'hour field: step 24 is out of range 1-23'],
  ['cron:*/x * * * *', 'minute field: step "x" must be a whole number'],
  [
    'cron:5/15 * * * *',
    'minute field: a step needs * or a range before it, e.g. */15 or 0-59/15 (got "5/15")',
  ],
  ['cron:*/5/2 * * * *', `minute field: "*/5/2" is not supported; ${MINUTE_SYNTAX}`],
  ['cron:1-2-3 * * * *', `minute field: "1-2-3" is not supported; ${MINUTE_SYNTAX}`],
  ['cron:-5 * * * *', `minute field: "-5" is not supported; ${MINUTE_SYNTAX}`],
  ['cron:5- * * * *', `minute field: "5-" is not supported; ${MINUTE_SYNTAX}`],
  ['cron:+5 * * * *', `minute field: "+5" is not supported; ${MINUTE_SYNTAX}`],
  ['cron:1.5 * * * *', `minute field: "1.5" is not supported; ${MINUTE_SYNTAX}`],
  ['cron:1,,2 * * * *', 'minute field: empty item in a list'],
  ['cron:1, * * * *', 'minute field: empty item in a list'],
  // cron: extensions this service does not accept (Quartz L beyond a lone day-of-month L, W, #, ?)
  ['cron:* * 1,L * *', 'day-of-month field: "L" is not a valid value; expected 1-31'],
  ['cron:* * L-3 * *', 'day-of-month field: "L" is not a valid value; expected 1-31'],
  ['cron:* * 15W * *', 'day-of-month field: "15W" is not a valid value; expected 1-31'],
  ['cron:* * * * 5L', 'day-of-week field: "5L" is not a valid value; expected 0-7 or SUN-SAT'],
  [
    'cron:* * * * 5#2',
    'day-of-week field: "5#2" is not supported; expected numbers or names (0-7 or SUN-SAT), ranges (a-b), steps (*/n or a-b/n) and lists (a,b)',
  ],
  [
    'cron:* * ? * *',
    'day-of-month field: "?" is not supported; expected numbers (1-31), ranges (a-b), steps (*/n or a-b/n) and lists (a,b)',
  ],
  // cron: names
  ['cron:a * * * *', 'minute field: "a" is not a valid value; expected 0-59'],
  ['cron:* * * JANUARY *', 'month field: "JANUARY" is not a valid value; expected 1-12 or JAN-DEC'],
  ['cron:* * * * MONDAY', 'day-of-week field: "MONDAY" is not a valid value; expected 0-7 or SUN-SAT'],
  ['cron:0 MON * * *', 'hour field: "MON" is not a valid value; expected 0-23'],
  // cron: never fires
  ['cron:0 0 31 2 *', 'cron: "0 0 31 2 *" never fires (no calendar date matches it)'],
  ['cron:0 0 30 2 *', 'cron: "0 0 30 2 *" never fires (no calendar date matches it)'],
  ['cron:0 0 31 4,6,9,11 *', 'cron: "0 0 31 4,6,9,11 *" never fires (no calendar date matches it)'],
  // Vixie: a *-led weekday field means "both must match", and Feb 30 never comes
  ['cron:0 0 30 2 */1', 'cron: "0 0 30 2 */1" never fires (no calendar date matches it)'],
  // every
  ['every 0s', 'every: interval must be at least 1s'],
  ['every 0m', 'every: interval must be at least 1s'],
  ['every 500ms', `every: unknown unit "ms"; ${DURATION}`],
  ['every:', `every: missing duration; ${DURATION}`],
  ['every 30', `every: "30" is not a duration; ${DURATION}`],
  ['every m', `every: "m" is not a duration; ${DURATION}`],
  ['every 1.5h', `every: "1.5h" is not a duration; ${DURATION}`],
  ['every -5m', `every: "-5m" is not a duration; ${DURATION}`],
  ['every 1h 30', `every: "1h 30" is not a duration; ${DURATION}`],
  ['every 30x', `every: unknown unit "x"; ${DURATION}`],
  ['every 30 minutes', `every: unknown unit "minutes"; ${DURATION}`],
  ['every 1h1h', 'every: unit "h" appears twice'],
  ['every 3651d', 'every: duration must be at most 3650d (10 years)'],
  // in
  ['in:0s', 'in: delay must be at least 1s'],
  ['in:500ms', `in: unknown unit "ms"; ${DURATION}`],
  ['in:', `in: missing duration; ${DURATION}`],
  ['in:-1h', `in: "-1h" is not a duration; ${DURATION}`],
  ['in 10 years', `in: unknown unit "years"; ${DURATION}`],
  // at
  ['at:', `at: "" is not a date and time; ${ISO}`],
  ['at:tomorrow', `at: "tomorrow" is not a date and time; ${ISO}`],
  ['at:2027-05-14', `at: "2027-05-14" is not a date and time; ${ISO}`],
  ['at:14:30', `at: "14:30" is not a date and time; ${ISO}`],
  ['at:1715697000', `at: "1715697000" is not a date and time; ${ISO}`],
  [
    'at:2027-05-14T14:30:00 Europe/Berlin',
    `at: "2027-05-14T14:30:00 Europe/Berlin" is not a date and time; ${ISO}`,
  ],
  [
    'at:2027-02-30T10:00:00',
    `at: "2027-02-30T10:00:00" is not a valid date and time (you specified 30 (of type number) as a day, which is invalid); ${ISO}`,
  ],
  [
    'at:2027-13-01T10:00:00',
    `at: "2027-13-01T10:00:00" is not a valid date and time (you specified 13 (of type number) as a month, which is invalid); ${ISO}`,
  ],
  [
    'at:2027-05-14T25:00:00',
    `at: "2027-05-14T25:00:00" is not a valid date and time (you specified 25 (of type number) as a hour, which is invalid); ${ISO}`,
  ],
  [
    'at:2027-05-14T14:61:00',
    `at: "2027-05-14T14:61:00" is not a valid date and time (you specified 61 (of type number) as a minute, which is invalid); ${ISO}`,
  ],
  [
    'at:2027-05-14T14:30:00+25:00',
    `at: "2027-05-14T14:30:00+25:00" is not a valid date and time (UTC offset +25:00 is not between -14:00 and +14:00); ${ISO}`,
  ],
  [
    'at:2027-05-14T14:30:00+02:99',
    `at: "2027-05-14T14:30:00+02:99" is not a valid date and time (UTC offset +02:99 is not between -14:00 and +14:00); ${ISO}`,
  ],
  [
    'at:2027-05-14T14:30:00-14:30',
    `at: "2027-05-14T14:30:00-14:30" is not a valid date and time (UTC offset -14:30 is not between -14:00 and +14:00); ${ISO}`,
  ],
  // on
  ['on:', `on: "" is not an event name; ${EVENT}`],
  ['on:-deploy', `on: "-deploy" is not an event name; ${EVENT}`],
  ['on:_private', `on: "_private" is not an event name; ${EVENT}`],
  ['on:deploy now', `on: "deploy now" is not an event name; ${EVENT}`],
  ['on:deploy!', `on: "deploy!" is not an event name; ${EVENT}`],
  ['on:déploiement', `on: "déploiement" is not an event name; ${EVENT}`],
  [`on:${'e'.repeat(201)}`, `on: "${'e'.repeat(201)}" is not an event name; ${EVENT}`],
  // after
  ['after:not-a-uuid', 'after: "not-a-uuid" is not a task id; expected a task UUID'],
  ['after:', 'after: "" is not a task id; expected a task UUID'],
  ['after:123', 'after: "123" is not a task id; expected a task UUID'],
  [
    `after:${TASK_ID.slice(0, -1)}`,
    `after: "${TASK_ID.slice(0, -1)}" is not a task id; expected a task UUID`,
  ],
  [`after:${TASK_ID}0`, `after: "${TASK_ID}0" is not a task id; expected a task UUID`],
  [
    `after:${TASK_ID.replace('6f', 'zz')}`,
    `after: "${TASK_ID.replace('6f', 'zz')}" is not a task id; expected a task UUID`,
  ],
];

describe('parseScheduleSpec', () => {
  it('has at least 60 valid and 60 invalid cases', () => {
    expect(VALID.length).toBeGreaterThanOrEqual(60);
    expect(INVALID.length).toBeGreaterThanOrEqual(60);
  });

  describe.each(VALID)('valid: $spec (zone $zone)', ({ spec, zone, type, next, describe: text }) => {
    const trigger = () => parseScheduleSpec(spec, context({ timezone: zone ?? 'UTC' }));

    it(`is a ${type} trigger`, () => {
      expect(trigger().type).toBe(type);
    });

    it(`first fires at ${next ?? 'no clock time'}`, () => {
      expect(trigger().nextFireTime(null, NOW)?.toISOString() ?? null).toBe(next);
    });

    if (text !== undefined) {
      it(`reads "${text}"`, () => {
        expect(trigger().describe()).toBe(text);
      });
    }
  });

  it.each(INVALID)('refuses %j', (spec, message) => {
    const error = errorOf(() => parseScheduleSpec(spec, context()));
    expect(error.message).toBe(message);
    expect(error.code).toBe(ErrorCode.InvalidSchedule);
  });

  describe('context', () => {
    it.each(['Mars/Olympus', 'Europe/Berlinn', 'GMT+25', '', '+02:00', 'Local'])(
      'refuses the time zone %j, naming what is expected',
      (timezone) => {
        const error = errorOf(() => parseScheduleSpec('every 30m', context({ timezone })));
        expect(error.message).toBe(
          `timezone: ${JSON.stringify(timezone)} is not an IANA time zone; expected a name such as UTC, Europe/Berlin or America/New_York`,
        );
      },
    );

    it('checks the time zone for every form, not only cron', () => {
      for (const spec of ['on:deploy', `after:${TASK_ID}`, 'in:1h', 'at:2027-05-14T14:30:00Z']) {
        expect(() => parseScheduleSpec(spec, context({ timezone: 'Nowhere/Else' }))).toThrow(
          /^timezone: "Nowhere\/Else" is not an IANA time zone/,
        );
      }
    });

    it.each([
      ['before', new Date('2026-06-01T00:00:00Z'), new Date('2026-05-31T00:00:00Z')],
      ['equal to', new Date('2026-06-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z')],
    ])('refuses an endAt %s startAt', (_relation, startAt, endAt) => {
      const error = errorOf(() => parseScheduleSpec('every 30m', context({ startAt, endAt })));
      expect(error.message).toBe('endAt: must be after startAt');
    });

    it('wraps a trigger with startAt or endAt in a BoundedTrigger, and leaves it bare without', () => {
      const startAt = new Date('2026-06-01T00:00:00Z');
      expect(parseScheduleSpec('cron:0 * * * *', context({ startAt }))).toBeInstanceOf(BoundedTrigger);
      expect(parseScheduleSpec('cron:0 * * * *', context({ endAt: startAt }))).toBeInstanceOf(BoundedTrigger);
      expect(parseScheduleSpec('cron:0 * * * *', context({ startAt: null, endAt: null }))).not.toBeInstanceOf(
        BoundedTrigger,
      );
    });

    it('starts an interval at startAt when given, and keeps that phase', () => {
      const startAt = new Date('2026-06-01T08:00:00Z');
      const trigger = parseScheduleSpec('every 45m', context({ startAt }));
      const first = trigger.nextFireTime(null, NOW);
      expect(first?.toISOString()).toBe('2026-06-01T08:00:00.000Z');
      expect(trigger.nextFireTime(first, NOW)?.toISOString()).toBe('2026-06-01T08:45:00.000Z');
      expect(trigger.describe()).toBe('Every 45 minutes, from 2026-06-01T08:00:00.000Z');
    });

    it('is pure: the same spec and context give the same answers, whatever the wall clock says', () => {
      const a = parseScheduleSpec('cron:*/7 * * * *', context({ timezone: 'Asia/Kolkata' }));
      const b = parseScheduleSpec('cron:*/7 * * * *', context({ timezone: 'Asia/Kolkata' }));
      expect(a.nextFireTime(null, NOW)).toEqual(b.nextFireTime(null, NOW));
      // Kolkata is UTC+5:30: 15:47:23 local, next multiple of 7 minutes is 15:49 = 10:19 UTC
      expect(a.nextFireTime(null, NOW)?.toISOString()).toBe('2026-05-13T10:19:00.000Z');
    });
  });

  describe('signal triggers', () => {
    it('carry the event name or the lowercased parent task id as their signal, and never fire on the clock', () => {
      const event = parseScheduleSpec('on:deploy', context());
      const chain = parseScheduleSpec(`after:${TASK_ID.toUpperCase()}`, context());
      expect(isSignalTrigger(event) && isSignalTrigger(chain)).toBe(true);
      expect((event as SignalTrigger).signal).toBe('deploy');
      expect((chain as SignalTrigger).signal).toBe(TASK_ID);
      for (const trigger of [event, chain]) {
        expect(trigger.nextFireTime(null, NOW)).toBeNull();
        expect(trigger.nextFireTime(NOW, NOW)).toBeNull();
        expect(trigger.latestFireTimeAtOrBefore(new Date('2030-01-01T00:00:00Z'))).toBeNull();
      }
      expect(isSignalTrigger(parseScheduleSpec('every 30m', context()))).toBe(false);
    });
  });

  describe('in: is fixed at the moment of scheduling', () => {
    it('gives the same due time when the stored spec is parsed again later (a restart does not move it)', () => {
      const first = parseScheduleSpec('in:1h', context());
      // Two hours later the service restarts and parses the stored spec with the stored scheduledAt.
      const later = new Date('2026-05-13T12:17:23.456Z');
      const reparsed = parseScheduleSpec('in:1h', context());
      expect(reparsed.nextFireTime(null, later)?.toISOString()).toBe('2026-05-13T11:17:23.456Z');
      expect(reparsed.nextFireTime(null, later)).toEqual(first.nextFireTime(null, NOW));
      expect(reparsed.latestFireTimeAtOrBefore(later)?.toISOString()).toBe('2026-05-13T11:17:23.456Z');
    });

    it('moves only with scheduledAt', () => {
      const scheduledAt = new Date('2026-05-13T12:00:00Z');
      expect(
        parseScheduleSpec('in 1h', context({ scheduledAt })).nextFireTime(null, NOW)?.toISOString(),
      ).toBe('2026-05-13T13:00:00.000Z');
    });

    it('fires once only', () => {
      const trigger = parseScheduleSpec('in:90s', context());
      const due = trigger.nextFireTime(null, NOW);
      expect(trigger.nextFireTime(due, NOW)).toBeNull();
    });
  });

  describe('every: keeps its phase across restarts', () => {
    it('gives the same grid when parsed again later with the stored scheduledAt', () => {
      const reparsed = parseScheduleSpec('every 30m', context());
      // After a restart, the last planned fire was the 10th one.
      const tenth = new Date(NOW.getTime() + 10 * 30 * 60_000);
      expect(reparsed.nextFireTime(tenth, new Date('2026-05-14T00:00:00Z'))?.toISOString()).toBe(
        '2026-05-13T15:47:23.456Z',
      );
    });
  });
});

describe('assertFiresInFuture', () => {
  const now = new Date('2027-01-01T00:00:00Z');

  it('refuses an at: in the past, saying when it was and what is expected', () => {
    const trigger = parseScheduleSpec('at:2026-12-31T23:59:59Z', context());
    const error = errorOf(() => assertFiresInFuture(trigger, now));
    expect(error.message).toBe(
      'at: time is in the past (2026-12-31T23:59:59.000Z); expected an instant after 2027-01-01T00:00:00.000Z',
    );
    expect(error.code).toBe(ErrorCode.InvalidSchedule);
  });

  it('refuses an at: exactly now (it must be after now)', () => {
    const trigger = parseScheduleSpec('at:2027-01-01T00:00:00Z', context());
    expect(() => assertFiresInFuture(trigger, now)).toThrow(
      /^at: time is in the past \(2027-01-01T00:00:00.000Z\)/,
    );
  });

  it('accepts an at: one millisecond or a year ahead', () => {
    expect(() =>
      assertFiresInFuture(parseScheduleSpec('at:2027-01-01T00:00:00.001Z', context()), now),
    ).not.toThrow();
    expect(() =>
      assertFiresInFuture(parseScheduleSpec('at:2028-01-01T00:00:00Z', context()), now),
    ).not.toThrow();
  });

  it('judges an at: without offset in its own zone', () => {
    // 2027-01-01T00:30 in New York is 05:30 UTC: still ahead of midnight UTC.
    const newYork = parseScheduleSpec('at:2027-01-01T00:30:00', context({ timezone: 'America/New_York' }));
    expect(() => assertFiresInFuture(newYork, now)).not.toThrow();
    // 2027-01-01T00:30 in Berlin is 2026-12-31T23:30 UTC: past.
    const berlin = parseScheduleSpec('at:2027-01-01T00:30:00', context({ timezone: 'Europe/Berlin' }));
    expect(() => assertFiresInFuture(berlin, now)).toThrow(
      /^at: time is in the past \(2026-12-31T23:30:00.000Z\)/,
    );
  });

  it('refuses an in: whose due time has passed by the time it is checked', () => {
    const trigger = parseScheduleSpec('in:1h', context());
    expect(() => assertFiresInFuture(trigger, NOW)).not.toThrow();
    expect(() => assertFiresInFuture(trigger, new Date('2026-05-13T11:17:23.456Z'))).toThrow(
      /^at: time is in the past/,
    );
  });

  it('refuses an at: that startAt/endAt shut out', () => {
    const trigger = parseScheduleSpec(
      'at:2027-05-14T14:30:00Z',
      context({ startAt: new Date('2027-06-01T00:00:00Z') }),
    );
    const error = errorOf(() => assertFiresInFuture(trigger, now));
    expect(error.message).toBe(
      'at: time is in the past (outside startAt/endAt); expected an instant after 2027-01-01T00:00:00.000Z',
    );
  });

  it('leaves recurring and signal triggers alone, even long after they were made', () => {
    const muchLater = new Date('2035-01-01T00:00:00Z');
    for (const spec of ['cron:0 0 * * *', 'every 30m', 'on:deploy', `after:${TASK_ID}`]) {
      expect(() => assertFiresInFuture(parseScheduleSpec(spec, context()), muchLater)).not.toThrow();
    }
  });
});
