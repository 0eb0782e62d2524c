import { parseScheduleSpec } from '../../triggers/parse-schedule-spec';
import type { Trigger } from '../../triggers/trigger';
import {
  applyMisfirePolicy,
  MAX_CATCH_UP,
  MISFIRE_THRESHOLD_MS,
  planFires,
  type MisfireRule,
} from './fire-plan';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const NOW = new Date('2027-01-01T00:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const iso = (date: Date | null) => date?.toISOString() ?? null;
/** The planning window the runner uses: `now` plus a couple of seconds. */
const UNTIL = at(2 * SECOND);

/** Instants planned before this are misfires (downtime); at or after it they are (late) on-time fires. */
const LATE_BEFORE = NOW.getTime() - MISFIRE_THRESHOLD_MS;
const isMisfire = (fire: { scheduledFor: Date }) => fire.scheduledFor.getTime() < LATE_BEFORE;
/** The latest instant of the grid `first + k·period` strictly before `limitMs`. */
const lastBefore = (first: Date, periodMs: number, limitMs: number) =>
  new Date(first.getTime() + Math.floor((limitMs - 1 - first.getTime()) / periodMs) * periodMs);
/** The grid instants from `from` to `to`, both included. */
const gridFrom = (from: Date, periodMs: number, to: Date) => {
  const out: string[] = [];
  for (let t = from.getTime(); t <= to.getTime(); t += periodMs) out.push(new Date(t).toISOString());
  return out;
};

const rule = (policy: MisfireRule['policy'], graceSeconds = 60): MisfireRule => ({ policy, graceSeconds });

/** A trigger for `spec`, made at `scheduledAt` in UTC (as a stored schedule is re-read). */
const parse = (spec: string, scheduledAt: Date) => parseScheduleSpec(spec, { timezone: 'UTC', scheduledAt });

/** `every <period>` whose first fire is `firstFire` (scheduled one period before it). */
const every = (spec: string, periodMs: number, firstFire: Date) =>
  parse(spec, new Date(firstFire.getTime() - periodMs));

/** Wraps a trigger and counts every question asked of it. */
function counting(inner: Trigger): { trigger: Trigger; calls: () => number } {
  let calls = 0;
  const trigger: Trigger = {
    type: inner.type,
    nextFireTime: (previous, now) => {
      calls++;
      return inner.nextFireTime(previous, now);
    },
    latestFireTimeAtOrBefore: (instant) => {
      calls++;
      return inner.latestFireTimeAtOrBefore(instant);
    },
    describe: () => inner.describe(),
  };
  return { trigger, calls: () => calls };
}

const pendingTimes = (fires: { scheduledFor: Date; status: string }[]) =>
  fires.filter((fire) => fire.status === 'pending').map((fire) => iso(fire.scheduledFor));
const missedTimes = (fires: { scheduledFor: Date; status: string }[]) =>
  fires.filter((fire) => fire.status === 'missed').map((fire) => iso(fire.scheduledFor));

describe('planFires: on-time fires', () => {
  it('claims every instant within the window, none after it, and answers the first instant after', () => {
    const trigger = every('every 1s', SECOND, at(SECOND));
    const plan = planFires(trigger, at(SECOND), rule('run_once'), NOW, UNTIL);

    expect(plan.fires).toEqual([
      { scheduledFor: at(SECOND), status: 'pending', error: null },
      { scheduledFor: at(2 * SECOND), status: 'pending', error: null },
    ]);
    expect(iso(plan.nextRunAt)).toBe(iso(at(3 * SECOND)));
    expect(plan.truncated).toBe(false);
  });

  it('claims nothing when the next instant is after the window, and keeps that instant', () => {
    const trigger = every('every 1m', MINUTE, at(MINUTE));
    const plan = planFires(trigger, at(MINUTE), rule('run_once'), NOW, UNTIL);

    expect(plan.fires).toEqual([]);
    expect(iso(plan.nextRunAt)).toBe(iso(at(MINUTE)));
  });

  it('includes an instant exactly at the end of the window', () => {
    const trigger = every('every 2s', 2 * SECOND, UNTIL);
    const plan = planFires(trigger, UNTIL, rule('run_once'), NOW, UNTIL);

    expect(pendingTimes(plan.fires)).toEqual([iso(UNTIL)]);
    expect(iso(plan.nextRunAt)).toBe(iso(at(4 * SECOND)));
  });

  it('an instant at the misfire threshold is an on-time fire; one millisecond earlier is a misfire', () => {
    // skip with grace 0: a misfire is recorded missed, an on-time fire is claimed pending
    const onTime = new Date(LATE_BEFORE);
    const onTimePlan = planFires(every('every 1m', MINUTE, onTime), onTime, rule('skip', 0), NOW, UNTIL);
    expect(onTimePlan.fires).toEqual([{ scheduledFor: onTime, status: 'pending', error: null }]);
    expect(iso(onTimePlan.nextRunAt)).toBe(iso(new Date(onTime.getTime() + MINUTE)));

    const late = new Date(LATE_BEFORE - 1);
    const latePlan = planFires(every('every 1m', MINUTE, late), late, rule('skip', 0), NOW, UNTIL);
    expect(latePlan.fires.map((fire) => [iso(fire.scheduledFor), fire.status])).toEqual([
      [iso(late), 'missed'],
    ]);
    expect(iso(latePlan.nextRunAt)).toBe(iso(new Date(late.getTime() + MINUTE)));
  });
});

describe('planFires: misfires after downtime', () => {
  // every 10 s on the whole minute; the service was down from 23:55 to 00:00.
  const firstFire = at(-5 * MINUTE);
  const trigger = () => every('every 10s', 10 * SECOND, firstFire);
  // 23:55:00 … 23:59:50: 30 instants more than the threshold in the past
  const missed = Array.from({ length: 30 }, (_, k) => iso(new Date(firstFire.getTime() + k * 10 * SECOND)));

  it('run_once: runs only the latest missed instant within the grace period, records the older ones missed', () => {
    const plan = planFires(trigger(), firstFire, rule('run_once', 60), NOW, UNTIL);

    expect(missedTimes(plan.fires)).toEqual(missed.slice(0, 29));
    // the catch-up (23:59:50, 10 s ago) and the on-time fire at 00:00:00
    expect(pendingTimes(plan.fires)).toEqual([iso(at(-10 * SECOND)), iso(NOW)]);
    expect(plan.fires.map((fire) => iso(fire.scheduledFor))).toEqual([...missed, iso(NOW)]);
    expect(iso(plan.nextRunAt)).toBe(iso(at(10 * SECOND)));
    expect(plan.truncated).toBe(false);
  });

  it('run_once: records why an instant was missed', () => {
    const plan = planFires(trigger(), firstFire, rule('run_once', 60), NOW, UNTIL);
    const first = plan.fires[0];

    expect(first.status).toBe('missed');
    expect(first.error).toContain(iso(firstFire));
    expect(first.error).toContain('run_once');
    expect(first.error).toContain('60s');
    for (const fire of plan.fires) expect(fire.error === null).toBe(fire.status === 'pending');
  });

  it('run_once: beyond the grace period every missed instant is missed', () => {
    // the latest missed instant is 10 s old; a grace of 9 s does not cover it
    const plan = planFires(trigger(), firstFire, rule('run_once', 9), NOW, UNTIL);

    expect(missedTimes(plan.fires)).toEqual(missed);
    expect(pendingTimes(plan.fires)).toEqual([iso(NOW)]);
    expect(iso(plan.nextRunAt)).toBe(iso(at(10 * SECOND)));
  });

  it('run_once: the grace period is inclusive', () => {
    const plan = planFires(trigger(), firstFire, rule('run_once', 10), NOW, UNTIL);

    expect(pendingTimes(plan.fires)).toEqual([iso(at(-10 * SECOND)), iso(NOW)]);
  });

  it('skip: records every missed instant missed and runs none', () => {
    const plan = planFires(trigger(), firstFire, rule('skip', 3600), NOW, UNTIL);

    expect(missedTimes(plan.fires)).toEqual(missed);
    expect(pendingTimes(plan.fires)).toEqual([iso(NOW)]);
    for (const fire of plan.fires.filter((f) => f.status === 'missed')) expect(fire.error).toContain('skip');
  });

  it('run_all: runs every missed instant, oldest first, whatever the grace', () => {
    const plan = planFires(trigger(), firstFire, rule('run_all', 0), NOW, UNTIL);

    expect(missedTimes(plan.fires)).toEqual([]);
    expect(pendingTimes(plan.fires)).toEqual([...missed, iso(NOW)]);
    expect(plan.truncated).toBe(false);
  });

  it(`run_all: catches up at most MAX_CATCH_UP (${MAX_CATCH_UP}) instants, the latest, and says it truncated`, () => {
    // every 1 s, down for an hour: about 3600 missed instants
    const start = at(-HOUR);
    const latest = lastBefore(start, SECOND, LATE_BEFORE);
    const plan = planFires(every('every 1s', SECOND, start), start, rule('run_all'), NOW, UNTIL);
    const caughtUp = plan.fires.filter(isMisfire);

    expect(caughtUp).toHaveLength(MAX_CATCH_UP);
    expect(caughtUp.every((fire) => fire.status === 'pending')).toBe(true);
    expect(caughtUp.map((fire) => iso(fire.scheduledFor))).toEqual(
      gridFrom(new Date(latest.getTime() - (MAX_CATCH_UP - 1) * SECOND), SECOND, latest),
    );
    expect(plan.truncated).toBe(true);
    // then every instant up to the end of the window, on time
    expect(plan.fires.filter((fire) => !isMisfire(fire)).map((fire) => iso(fire.scheduledFor))).toEqual(
      gridFrom(new Date(latest.getTime() + SECOND), SECOND, UNTIL),
    );
    expect(iso(plan.nextRunAt)).toBe(iso(at(3 * SECOND)));
  });

  it('is not truncated when exactly MAX_CATCH_UP instants were missed, and is when one more was', () => {
    const latest = lastBefore(at(-HOUR), SECOND, LATE_BEFORE);
    const exactly = new Date(latest.getTime() - (MAX_CATCH_UP - 1) * SECOND);
    const exact = planFires(every('every 1s', SECOND, exactly), exactly, rule('run_all'), NOW, UNTIL);
    expect(exact.fires.filter(isMisfire)).toHaveLength(MAX_CATCH_UP);
    expect(iso(exact.fires[0].scheduledFor)).toBe(iso(exactly));
    expect(exact.truncated).toBe(false);

    const oneMore = new Date(exactly.getTime() - SECOND);
    const over = planFires(every('every 1s', SECOND, oneMore), oneMore, rule('run_all'), NOW, UNTIL);
    expect(over.fires.filter(isMisfire)).toHaveLength(MAX_CATCH_UP);
    // the oldest is the one left out
    expect(iso(over.fires[0].scheduledFor)).toBe(iso(exactly));
    expect(over.truncated).toBe(true);
  });

  it('skip and run_once record at most MAX_CATCH_UP missed instants too', () => {
    const start = at(-HOUR);
    for (const policy of ['skip', 'run_once'] as const) {
      const plan = planFires(every('every 1s', SECOND, start), start, rule(policy), NOW, UNTIL);
      expect(plan.fires.filter(isMisfire)).toHaveLength(MAX_CATCH_UP);
      expect(plan.truncated).toBe(true);
    }
  });

  it('a year of downtime of `every 1s` costs about MAX_CATCH_UP trigger steps, with the right latest and next instants', () => {
    // phase on the half second, so the grid is visibly kept
    const firstFire = new Date('2026-01-01T00:00:00.500Z');
    const { trigger, calls } = counting(every('every 1s', SECOND, firstFire));
    const plan = planFires(trigger, firstFire, rule('run_once', 60), NOW, UNTIL);

    // ~31.5 million instants were missed; walking forward from nextRunAt would ask that often
    expect(calls()).toBeLessThanOrEqual(MAX_CATCH_UP + 10);
    expect(plan.truncated).toBe(true);
    const latest = lastBefore(firstFire, SECOND, LATE_BEFORE);
    expect(latest.getUTCMilliseconds()).toBe(500);
    const misfires = plan.fires.filter(isMisfire);
    expect(misfires.map((fire) => iso(fire.scheduledFor))).toEqual(
      gridFrom(new Date(latest.getTime() - (MAX_CATCH_UP - 1) * SECOND), SECOND, latest),
    );
    // run_once: the latest missed instant (within a second or two of now) runs, the 99 before it are missed
    expect(misfires.slice(0, -1).every((fire) => fire.status === 'missed')).toBe(true);
    expect(misfires[misfires.length - 1]).toEqual({ scheduledFor: latest, status: 'pending', error: null });
    // then on time, on the half-second grid, up to the end of the window
    expect(plan.fires.filter((fire) => !isMisfire(fire)).map((fire) => iso(fire.scheduledFor))).toEqual(
      gridFrom(new Date(latest.getTime() + SECOND), SECOND, UNTIL),
    );
    expect(iso(plan.nextRunAt)).toBe('2027-01-01T00:00:02.500Z');
  });

  it('keeps an interval on its phase across a long downtime: the next instant is on the grid', () => {
    const scheduledAt = new Date('2026-05-13T10:17:23.456Z');
    const period = 30 * MINUTE;
    const trigger = parse('every 30m', scheduledAt);
    const firstFire = new Date(scheduledAt.getTime() + period);
    for (const policy of ['run_once', 'skip', 'run_all'] as const) {
      const plan = planFires(trigger, firstFire, rule(policy), NOW, UNTIL);
      const next = plan.nextRunAt!;
      expect((next.getTime() - firstFire.getTime()) % period).toBe(0);
      expect(next.getTime()).toBeGreaterThan(UNTIL.getTime());
      expect(next.getTime() - period).toBeLessThanOrEqual(UNTIL.getTime());
      expect(iso(next)).toBe('2027-01-01T00:17:23.456Z');
      for (const fire of plan.fires)
        expect((fire.scheduledFor.getTime() - firstFire.getTime()) % period).toBe(0);
    }
  });

  it('cron: the latest missed instant and the next one follow the expression', () => {
    const trigger = parse('cron:*/5 * * * *', new Date('2026-12-31T20:00:00Z'));
    const plan = planFires(
      trigger,
      new Date('2026-12-31T20:05:00Z'),
      rule('run_once', 600),
      at(2 * MINUTE),
      at(2 * MINUTE + 2 * SECOND),
    );

    // 20:05 … 23:55, then 00:00: 48 missed instants; the latest (00:00, 2 min ago) runs
    expect(plan.fires).toHaveLength(48);
    expect(pendingTimes(plan.fires)).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(iso(plan.fires[0].scheduledFor)).toBe('2026-12-31T20:05:00.000Z');
    expect(iso(plan.nextRunAt)).toBe('2027-01-01T00:05:00.000Z');
  });

  it('stops at the end bound: instants after endAt are neither missed nor run, and nothing follows', () => {
    const trigger = parseScheduleSpec('every 1m', {
      timezone: 'UTC',
      scheduledAt: at(-10 * MINUTE),
      endAt: at(-5 * MINUTE - SECOND),
    });
    const plan = planFires(trigger, at(-9 * MINUTE), rule('run_all'), NOW, UNTIL);

    expect(plan.fires.map((fire) => iso(fire.scheduledFor))).toEqual([
      iso(at(-9 * MINUTE)),
      iso(at(-8 * MINUTE)),
      iso(at(-7 * MINUTE)),
      iso(at(-6 * MINUTE)),
    ]);
    expect(plan.nextRunAt).toBeNull();
  });
});

describe('planFires: one-shot schedules', () => {
  const once = (instant: Date) => parse(`at:${instant.toISOString()}`, at(-30 * DAY));

  it('a future one-shot outside the window claims nothing and keeps its instant', () => {
    const instant = at(40 * DAY);
    const plan = planFires(once(instant), instant, rule('run_once'), NOW, UNTIL);

    expect(plan.fires).toEqual([]);
    expect(iso(plan.nextRunAt)).toBe(iso(instant));
  });

  it('a future one-shot within the window is claimed once and then the schedule is finished', () => {
    const instant = at(1500);
    const plan = planFires(once(instant), instant, rule('run_once'), NOW, UNTIL);

    expect(plan.fires).toEqual([{ scheduledFor: instant, status: 'pending', error: null }]);
    expect(plan.nextRunAt).toBeNull();
  });

  it('a one-shot that passed within the grace period runs once (run_once)', () => {
    const instant = at(-30 * SECOND);
    const plan = planFires(once(instant), instant, rule('run_once', 60), NOW, UNTIL);

    expect(plan.fires).toEqual([{ scheduledFor: instant, status: 'pending', error: null }]);
    expect(plan.nextRunAt).toBeNull();
    expect(plan.truncated).toBe(false);
  });

  it('a one-shot that passed beyond the grace period is missed, and the schedule is finished', () => {
    const instant = at(-10 * MINUTE);
    const plan = planFires(once(instant), instant, rule('run_once', 60), NOW, UNTIL);

    expect(plan.fires).toHaveLength(1);
    expect(plan.fires[0].status).toBe('missed');
    expect(plan.fires[0].scheduledFor).toEqual(instant);
    expect(plan.nextRunAt).toBeNull();
  });

  it('a one-shot that passed long ago still runs under run_all and is missed under skip', () => {
    const instant = at(-300 * DAY);
    expect(planFires(once(instant), instant, rule('run_all'), NOW, UNTIL).fires).toEqual([
      { scheduledFor: instant, status: 'pending', error: null },
    ]);
    expect(planFires(once(instant), instant, rule('skip'), NOW, UNTIL).fires.map((f) => f.status)).toEqual([
      'missed',
    ]);
  });
});

describe('applyMisfirePolicy', () => {
  const missed = [at(-40 * SECOND), at(-30 * SECOND), at(-20 * SECOND)];

  it('run_once runs the latest within grace and records the rest missed', () => {
    expect(applyMisfirePolicy(missed, rule('run_once', 60), NOW).map((fire) => fire.status)).toEqual([
      'missed',
      'missed',
      'pending',
    ]);
  });

  it('run_once with latestMayRun=false runs none of them, even within grace', () => {
    const fires = applyMisfirePolicy(missed, rule('run_once', 3600), NOW, false);
    expect(fires.map((fire) => fire.status)).toEqual(['missed', 'missed', 'missed']);
    expect(fires.map((fire) => fire.scheduledFor)).toEqual(missed);
    for (const fire of fires) expect(fire.error).toMatch(/^missed: /);
  });

  it('latestMayRun=false does not change skip (none) or run_all (all)', () => {
    expect(applyMisfirePolicy(missed, rule('skip'), NOW, false).map((fire) => fire.status)).toEqual([
      'missed',
      'missed',
      'missed',
    ]);
    expect(applyMisfirePolicy(missed, rule('run_all'), NOW, false).map((fire) => fire.status)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
  });

  it('run_once beyond grace records even the latest missed', () => {
    expect(applyMisfirePolicy(missed, rule('run_once', 19), NOW).map((fire) => fire.status)).toEqual([
      'missed',
      'missed',
      'missed',
    ]);
  });

  it('keeps the instants and their order, and answers nothing for nothing', () => {
    expect(applyMisfirePolicy(missed, rule('run_all'), NOW).map((fire) => fire.scheduledFor)).toEqual(missed);
    expect(applyMisfirePolicy([], rule('run_once'), NOW)).toEqual([]);
  });
});
