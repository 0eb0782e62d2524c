import { BoundedTrigger } from './bounded.trigger';
import { OnceTrigger } from './once.trigger';
import { parseScheduleSpec } from './parse-schedule-spec';

const SCHEDULED_AT = new Date('2026-05-13T10:17:23.456Z');
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;
const parse = (spec: string, timezone = 'UTC') =>
  parseScheduleSpec(spec, { timezone, scheduledAt: SCHEDULED_AT });

describe('OnceTrigger', () => {
  describe('at: far in the future', () => {
    const trigger = () => parse('at:2027-05-14T14:30:00Z');

    it.each([
      ['when scheduled', '2026-05-13T10:17:23.456Z'],
      ['a month later (after a restart)', '2026-06-13T00:00:00.000Z'],
      ['one millisecond before it', '2027-05-14T14:29:59.999Z'],
    ])('answers the exact instant, never earlier, when asked %s', (_when, now) => {
      const next = trigger().nextFireTime(null, at(now));
      expect(iso(next)).toBe('2027-05-14T14:30:00.000Z');
      // over a year away: more than a Node timer can hold, so the runner must arm it in steps
      expect((next?.getTime() ?? 0) - SCHEDULED_AT.getTime()).toBeGreaterThan(2 ** 31 - 1);
    });

    it('still answers the instant after it has passed (a misfire for the runner, not a new time)', () => {
      expect(iso(trigger().nextFireTime(null, at('2027-06-01T00:00:00Z')))).toBe('2027-05-14T14:30:00.000Z');
    });

    it('fires only once', () => {
      const fire = trigger().nextFireTime(null, SCHEDULED_AT);
      expect(trigger().nextFireTime(fire, SCHEDULED_AT)).toBeNull();
      expect(trigger().nextFireTime(at('2026-01-01T00:00:00Z'), SCHEDULED_AT)).toBeNull();
    });

    it.each([
      ['before', '2027-05-14T14:29:59.999Z', null],
      ['exactly at', '2027-05-14T14:30:00.000Z', '2027-05-14T14:30:00.000Z'],
      ['after', '2030-01-01T00:00:00.000Z', '2027-05-14T14:30:00.000Z'],
    ])('latestFireTimeAtOrBefore an instant %s the fire', (_when, instant, expected) => {
      expect(iso(trigger().latestFireTimeAtOrBefore(at(instant)))).toBe(expected);
    });
  });

  describe('in: is fixed when the schedule is made', () => {
    it('in:400d lands exactly 400·24 h after scheduledAt', () => {
      expect(parse('in:400d').nextFireTime(null, SCHEDULED_AT)?.getTime()).toBe(
        SCHEDULED_AT.getTime() + 400 * 86_400_000,
      );
    });

    it('a later "now" (a restart) does not move it', () => {
      const due = parse('in:2h').nextFireTime(null, at('2026-05-13T11:00:00Z'));
      expect(iso(due)).toBe('2026-05-13T12:17:23.456Z');
      expect(parse('in:2h').nextFireTime(null, at('2026-05-14T00:00:00Z'))).toEqual(due);
    });
  });

  describe('at: in a time zone', () => {
    it.each([
      ['at:2027-05-14T14:30:00', 'UTC', '2027-05-14T14:30:00.000Z'],
      ['at:2027-05-14T14:30:00', 'Europe/Berlin', '2027-05-14T12:30:00.000Z'],
      ['at:2027-12-14T14:30:00', 'Europe/Berlin', '2027-12-14T13:30:00.000Z'],
      ['at:2027-05-14T14:30:00', 'Australia/Sydney', '2027-05-14T04:30:00.000Z'],
      ['at:2027-12-14T14:30:00', 'Australia/Sydney', '2027-12-14T03:30:00.000Z'],
      ['at:2027-05-14T14:30:00', 'Asia/Kolkata', '2027-05-14T09:00:00.000Z'],
      ['at:2027-05-14T14:30:00Z', 'Australia/Sydney', '2027-05-14T14:30:00.000Z'],
      ['at:2027-05-14T14:30:00+02:00', 'America/New_York', '2027-05-14T12:30:00.000Z'],
      // repeated wall times are their first occurrence, in both hemispheres
      ['at:2026-11-01T01:30:00', 'America/New_York', '2026-11-01T05:30:00.000Z'],
      ['at:2027-04-04T02:30:00', 'Australia/Sydney', '2027-04-03T15:30:00.000Z'],
      // an explicit offset picks the second one
      ['at:2026-11-01T01:30:00-05:00', 'America/New_York', '2026-11-01T06:30:00.000Z'],
      // skipped wall times move forward by the jump
      ['at:2026-03-29T02:30:00', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
      ['at:2027-10-03T02:15:00', 'Australia/Sydney', '2027-10-02T16:15:00.000Z'],
    ])('%s in %s is %s', (spec, zone, expected) => {
      expect(iso(parse(spec, zone).nextFireTime(null, SCHEDULED_AT))).toBe(expected);
    });
  });

  describe('describe()', () => {
    it.each([
      ['at:2027-05-14T14:30:00Z', 'UTC', 'Once at 2027-05-14 14:30 UTC'],
      ['at:2027-05-14T14:30:00', 'UTC', 'Once at 2027-05-14 14:30 UTC'],
      ['at:2027-05-14T14:30:15Z', 'UTC', 'Once at 2027-05-14 14:30:15 UTC'],
      ['at:2027-05-14T14:30:00Z', 'Europe/Berlin', 'Once at 2027-05-14 16:30 Europe/Berlin'],
      ['at:2027-05-14T23:30:00Z', 'Australia/Sydney', 'Once at 2027-05-15 09:30 Australia/Sydney'],
      ['in:1h', 'UTC', 'Once at 2026-05-13 11:17:23 UTC'],
    ])('%s in %s reads "%s"', (spec, zone, text) => {
      expect(parse(spec, zone).describe()).toBe(text);
    });

    it('constructed directly, shows the wall time in its zone', () => {
      expect(new OnceTrigger(at('2027-05-14T14:30:00Z'), 'America/New_York').describe()).toBe(
        'Once at 2027-05-14 10:30 America/New_York',
      );
    });
  });

  describe('within startAt/endAt', () => {
    const fire = at('2027-05-14T14:30:00Z');

    it.each([
      [
        'inside the window',
        at('2027-05-01T00:00:00Z'),
        at('2027-06-01T00:00:00Z'),
        '2027-05-14T14:30:00.000Z',
      ],
      ['exactly at startAt', fire, null, '2027-05-14T14:30:00.000Z'],
      ['exactly at endAt', null, fire, '2027-05-14T14:30:00.000Z'],
      ['before startAt', at('2027-06-01T00:00:00Z'), null, null],
      ['after endAt', null, at('2027-05-01T00:00:00Z'), null],
    ])('a fire %s: %s', (_where, startAt, endAt, expected) => {
      const trigger = new BoundedTrigger(new OnceTrigger(fire, 'UTC'), startAt, endAt);
      expect(trigger.type).toBe('once');
      expect(iso(trigger.nextFireTime(null, SCHEDULED_AT))).toBe(expected);
    });
  });
});
