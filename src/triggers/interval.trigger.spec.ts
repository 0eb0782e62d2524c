import { BoundedTrigger } from './bounded.trigger';
import { CronTrigger } from './cron.trigger';
import { IntervalTrigger } from './interval.trigger';
import { parseScheduleSpec } from './parse-schedule-spec';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const SCHEDULED_AT = new Date('2026-05-13T10:17:23.456Z');
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

/** `count` successive fires, each asked for with the previous one (as the runner does). */
function series(
  trigger: { nextFireTime(previous: Date | null, now: Date): Date | null },
  count: number,
  now: Date,
) {
  const fires: (string | null)[] = [];
  let previous: Date | null = null;
  for (let i = 0; i < count; i++) {
    const next = trigger.nextFireTime(previous, now);
    fires.push(iso(next));
    if (next === null) break;
    previous = next;
  }
  return fires;
}

describe('IntervalTrigger', () => {
  const every30m = () => parseScheduleSpec('every 30m', { timezone: 'UTC', scheduledAt: SCHEDULED_AT });

  it('first fires one period after scheduling, then every period', () => {
    expect(series(every30m(), 4, SCHEDULED_AT)).toEqual([
      '2026-05-13T10:47:23.456Z',
      '2026-05-13T11:17:23.456Z',
      '2026-05-13T11:47:23.456Z',
      '2026-05-13T12:17:23.456Z',
    ]);
  });

  it('returns the planned first fire even when now is already past it (the runner calls that a misfire)', () => {
    expect(iso(every30m().nextFireTime(null, at('2026-05-20T00:00:00Z')))).toBe('2026-05-13T10:47:23.456Z');
  });

  describe('keeps its phase across restarts', () => {
    it('after a restart, the next fire after the last planned one is on the grid firstFire + k·period', () => {
      // The service ran fires 0..99, went down, and a fresh trigger is made from the stored spec.
      const lastPlanned = new Date(SCHEDULED_AT.getTime() + 30 * MINUTE + 99 * 30 * MINUTE);
      const restarted = every30m();
      const next = restarted.nextFireTime(lastPlanned, at('2026-05-16T00:00:00Z'));
      expect(next?.getTime()).toBe(lastPlanned.getTime() + 30 * MINUTE);
      // fire 99 is 50 h after scheduling (May 15, 12:17:23.456); fire 100 half an hour later
      expect(iso(lastPlanned)).toBe('2026-05-15T12:17:23.456Z');
      expect(iso(next)).toBe('2026-05-15T12:47:23.456Z');
    });

    it.each([
      ['a fire that ran 7 minutes late', 7 * MINUTE, '2026-05-13T11:17:23.456Z'],
      ['a fire that ran 29 minutes late', 29 * MINUTE, '2026-05-13T11:17:23.456Z'],
      ['a fire that ran one millisecond late', 1, '2026-05-13T11:17:23.456Z'],
      ['a previous exactly one period later', 30 * MINUTE, '2026-05-13T11:47:23.456Z'],
    ])('given %s, goes to the next grid point, never previous + period', (_what, lateBy, expected) => {
      const first = at('2026-05-13T10:47:23.456Z');
      const next = every30m().nextFireTime(new Date(first.getTime() + lateBy), SCHEDULED_AT);
      expect(iso(next)).toBe(expected);
      expect(((next?.getTime() ?? 0) - first.getTime()) % (30 * MINUTE)).toBe(0);
    });

    it('given a previous before the first fire, answers the first fire', () => {
      expect(iso(every30m().nextFireTime(at('2026-05-13T10:00:00Z'), SCHEDULED_AT))).toBe(
        '2026-05-13T10:47:23.456Z',
      );
    });

    it('stays on the grid after thousands of periods (no drift)', () => {
      const trigger = new IntervalTrigger(7 * MINUTE + 13_000, at('2026-01-01T00:00:00Z'));
      const previous = new Date(at('2026-01-01T00:00:00Z').getTime() + 123_456 * (7 * MINUTE + 13_000));
      expect(trigger.nextFireTime(previous)?.getTime()).toBe(previous.getTime() + 7 * MINUTE + 13_000);
    });
  });

  describe('latestFireTimeAtOrBefore', () => {
    const trigger = new IntervalTrigger(30 * MINUTE, at('2026-05-13T10:47:23.456Z'));

    it.each([
      ['before the first fire', '2026-05-13T10:47:23.455Z', null],
      ['at the first fire', '2026-05-13T10:47:23.456Z', '2026-05-13T10:47:23.456Z'],
      ['between fires', '2026-05-13T11:40:00.000Z', '2026-05-13T11:17:23.456Z'],
      ['one millisecond before a fire', '2026-05-13T11:47:23.455Z', '2026-05-13T11:17:23.456Z'],
      ['exactly on a later fire', '2026-05-13T11:47:23.456Z', '2026-05-13T11:47:23.456Z'],
      ['a year later', '2027-05-13T10:00:00.000Z', '2027-05-13T09:47:23.456Z'],
    ])('%s', (_when, instant, expected) => {
      expect(iso(trigger.latestFireTimeAtOrBefore(at(instant)))).toBe(expected);
    });
  });

  describe('far future', () => {
    it('every 30d fires exactly 30·24 h apart, never early (beyond a Node timer, 2^31-1 ms)', () => {
      const trigger = parseScheduleSpec('every 30d', {
        timezone: 'Europe/Berlin',
        scheduledAt: SCHEDULED_AT,
      });
      const fires = series(trigger, 13, SCHEDULED_AT).map((fire) => at(fire as string).getTime());
      expect(30 * DAY).toBeGreaterThan(2 ** 31 - 1);
      expect(fires[0]).toBe(SCHEDULED_AT.getTime() + 30 * DAY);
      fires.slice(1).forEach((fire, i) => expect(fire - fires[i]).toBe(30 * DAY));
      // The 13th fire is 390 days after scheduling: exact, although Berlin changed its clocks twice.
      expect(new Date(fires[12]).toISOString()).toBe('2027-06-07T10:17:23.456Z');
    });

    it('an interval is real elapsed time: every 1d across a DST change stays 24 h apart', () => {
      const trigger = parseScheduleSpec('every 1d', {
        timezone: 'Europe/Berlin',
        scheduledAt: at('2026-03-28T11:00:00Z'),
      });
      expect(series(trigger, 2, SCHEDULED_AT)).toEqual([
        '2026-03-29T11:00:00.000Z',
        '2026-03-30T11:00:00.000Z',
      ]);
    });

    it('every 3650d (the longest accepted) is exact to the millisecond', () => {
      const trigger = parseScheduleSpec('every 3650d', { timezone: 'UTC', scheduledAt: SCHEDULED_AT });
      expect(trigger.nextFireTime(null, SCHEDULED_AT)?.getTime()).toBe(SCHEDULED_AT.getTime() + 3650 * DAY);
    });
  });

  describe('describe()', () => {
    it.each([
      ['every 30m', 'Every 30 minutes'],
      ['every 1m', 'Every minute'],
      ['every 60s', 'Every minute'],
      ['every 1s', 'Every second'],
      ['every 45s', 'Every 45 seconds'],
      ['every 1h', 'Every hour'],
      ['every 90m', 'Every 1 hour 30 minutes'],
      ['every 1h30m', 'Every 1 hour 30 minutes'],
      ['every 1d', 'Every day'],
      ['every 7d', 'Every week'],
      ['every 2w', 'Every 2 weeks'],
      ['every 30d', 'Every 30 days'],
      ['every 1w 2d', 'Every 9 days'],
      ['every 1d1h1m1s', 'Every 1 day 1 hour 1 minute 1 second'],
    ])('%s reads "%s"', (spec, text) => {
      expect(parseScheduleSpec(spec, { timezone: 'UTC', scheduledAt: SCHEDULED_AT }).describe()).toBe(text);
    });
  });
});

describe('BoundedTrigger', () => {
  const startAt = at('2026-06-01T08:00:00Z');
  const endAt = at('2026-06-01T10:00:00Z');

  it('an interval with startAt starts at startAt, and ends after endAt (inclusive)', () => {
    const trigger = parseScheduleSpec('every 30m', {
      timezone: 'UTC',
      scheduledAt: SCHEDULED_AT,
      startAt,
      endAt,
    });
    expect(trigger.type).toBe('interval');
    expect(series(trigger, 10, SCHEDULED_AT)).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-01T08:30:00.000Z',
      '2026-06-01T09:00:00.000Z',
      '2026-06-01T09:30:00.000Z',
      '2026-06-01T10:00:00.000Z',
      null,
    ]);
  });

  it('an interval with only endAt starts one period after scheduling and stops at endAt', () => {
    const trigger = parseScheduleSpec('every 1h', {
      timezone: 'UTC',
      scheduledAt: at('2026-06-01T07:30:00Z'),
      endAt,
    });
    expect(series(trigger, 5, SCHEDULED_AT)).toEqual([
      '2026-06-01T08:30:00.000Z',
      '2026-06-01T09:30:00.000Z',
      null,
    ]);
  });

  it('a cron job fires nothing before startAt: its first fire is the first at or after startAt', () => {
    const trigger = new BoundedTrigger(
      new CronTrigger('0 * * * *', 'UTC'),
      at('2026-06-01T08:30:00Z'),
      endAt,
    );
    expect(series(trigger, 5, at('2026-05-01T00:00:00Z'))).toEqual([
      '2026-06-01T09:00:00.000Z',
      '2026-06-01T10:00:00.000Z',
      null,
    ]);
  });

  it('a cron fire exactly at startAt counts', () => {
    const trigger = new BoundedTrigger(new CronTrigger('0 * * * *', 'UTC'), startAt, null);
    expect(iso(trigger.nextFireTime(null, at('2026-05-01T00:00:00Z')))).toBe('2026-06-01T08:00:00.000Z');
  });

  it('once startAt has passed, answers from now', () => {
    const trigger = new BoundedTrigger(new CronTrigger('0 * * * *', 'UTC'), startAt, null);
    expect(iso(trigger.nextFireTime(null, at('2026-06-03T12:34:00Z')))).toBe('2026-06-03T13:00:00.000Z');
  });

  it('after endAt, nothing more', () => {
    const trigger = new BoundedTrigger(new CronTrigger('0 * * * *', 'UTC'), null, endAt);
    expect(trigger.nextFireTime(null, at('2026-06-01T10:00:01Z'))).toBeNull();
    expect(trigger.nextFireTime(at('2026-06-01T10:00:00Z'), SCHEDULED_AT)).toBeNull();
  });

  it.each([
    ['before startAt', '2026-06-01T07:59:59Z', null],
    ['at startAt', '2026-06-01T08:00:00Z', '2026-06-01T08:00:00.000Z'],
    ['inside', '2026-06-01T09:15:00Z', '2026-06-01T09:00:00.000Z'],
    ['long after endAt', '2026-07-01T00:00:00Z', '2026-06-01T10:00:00.000Z'],
  ])('latestFireTimeAtOrBefore %s', (_when, instant, expected) => {
    const trigger = new BoundedTrigger(new CronTrigger('0 * * * *', 'UTC'), startAt, endAt);
    expect(iso(trigger.latestFireTimeAtOrBefore(at(instant)))).toBe(expected);
  });

  it('describes the bounds after the inner trigger', () => {
    const both = parseScheduleSpec('every 30m', {
      timezone: 'UTC',
      scheduledAt: SCHEDULED_AT,
      startAt,
      endAt,
    });
    expect(both.describe()).toBe(
      'Every 30 minutes, from 2026-06-01T08:00:00.000Z, until 2026-06-01T10:00:00.000Z',
    );
    const until = parseScheduleSpec('cron:0 9 * * *', { timezone: 'UTC', scheduledAt: SCHEDULED_AT, endAt });
    expect(until.describe()).toBe('At 09:00 every day, until 2026-06-01T10:00:00.000Z');
  });
});
