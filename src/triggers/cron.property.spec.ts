import fc from 'fast-check';
import { DateTime } from 'luxon';
import { CronTrigger } from './cron.trigger';

/**
 * Property tests of `CronTrigger.nextFireTime` and `latestFireTimeAtOrBefore` against an
 * independent model written here: the fields are expanded by this file (not by croner), matched
 * on the wall clock that luxon gives for the zone, with Vixie's day rule (a day field starting
 * with `*` is unrestricted and then both must match; when both are restricted either may) and
 * the project's DST rule (a "fixed time" job, one whose second/minute/hour fields hold no `*`
 * and no step, fires once at the instant right after skipped wall times it matches, and only on
 * the first of two repeated wall times; other jobs fire on every real wall-clock match).
 * Gap-shifted fires are recognised explicitly (`firesAt` answers 'gap'), not waved through.
 */

interface FieldRule {
  min: number;
  max: number;
  names?: readonly string[];
  namesStartAt?: number;
}

const SECOND: FieldRule = { min: 0, max: 59 };
const MINUTE: FieldRule = { min: 0, max: 59 };
const HOUR: FieldRule = { min: 0, max: 23 };
const DAY_OF_MONTH: FieldRule = { min: 1, max: 31 };
const MONTH: FieldRule = {
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  namesStartAt: 1,
};
const DAY_OF_WEEK: FieldRule = {
  min: 0,
  max: 7,
  names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
  namesStartAt: 0,
};

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
] as const;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Generated field items, with the set of values each stands for (expanded here, independently).

interface Item {
  text: string;
  values: number[];
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let value = from; value <= to; value += step) out.push(value);
  return out;
}

/** A value written as a number, or (month/day-of-week, sometimes) as its name. */
function valueText(rule: FieldRule, value: number, asName: boolean): string {
  const index = value - (rule.namesStartAt ?? 0);
  return asName && rule.names && index >= 0 && index < rule.names.length ? rule.names[index] : String(value);
}

/** Values near the DST hours (1-3) come up more often, so transitions are actually exercised. */
function valueArb(rule: FieldRule): fc.Arbitrary<number> {
  if (rule === HOUR) return fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 3 }));
  return fc.integer({ min: rule.min, max: rule.max });
}

/** One list item; `numericOnly` leaves out `*` and steps (the items of a "fixed time" job). */
function itemArb(rule: FieldRule, numericOnly = false): fc.Arbitrary<Item> {
  const stepArb = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: rule.max }));
  const single = fc.tuple(valueArb(rule), fc.boolean()).map(([value, asName]) => ({
    text: valueText(rule, value, asName),
    values: [value],
  }));
  const plainRange = fc.tuple(valueArb(rule), valueArb(rule), fc.boolean()).map(([a, b, asName]) => {
    const [from, to] = a <= b ? [a, b] : [b, a];
    return {
      text: `${valueText(rule, from, asName)}-${valueText(rule, to, asName)}`,
      values: range(from, to),
    };
  });
  if (numericOnly) return fc.oneof({ weight: 3, arbitrary: single }, { weight: 1, arbitrary: plainRange });
  return fc.oneof(
    fc.constant<Item>({ text: '*', values: range(rule.min, rule.max) }),
    stepArb.map((step) => ({ text: `*/${step}`, values: range(rule.min, rule.max, step) })),
    single,
    plainRange,
    fc.tuple(valueArb(rule), valueArb(rule), stepArb).map(([a, b, step]) => {
      const [from, to] = a <= b ? [a, b] : [b, a];
      return { text: `${from}-${to}/${step}`, values: range(from, to, step) };
    }),
  );
}

interface Field {
  text: string;
  values: Set<number>;
}

const star = (rule: FieldRule): Field => ({ text: '*', values: new Set(range(rule.min, rule.max)) });

function listArb(rule: FieldRule, numericOnly = false): fc.Arbitrary<Field> {
  return fc.array(itemArb(rule, numericOnly), { minLength: 1, maxLength: 3 }).map((items) => ({
    text: items.map((item) => item.text).join(','),
    values: new Set(items.flatMap((item) => item.values)),
  }));
}

function fieldArb(rule: FieldRule): fc.Arbitrary<Field> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(star(rule)) }, { weight: 5, arbitrary: listArb(rule) });
}

interface Spec {
  expression: string;
  withSeconds: boolean;
  second: Field;
  minute: Field;
  hour: Field;
  dayOfMonth: Field;
  month: Field;
  dayOfWeek: Field;
}

function toSpec(parts: Omit<Spec, 'expression'>): Spec {
  const five = [parts.minute, parts.hour, parts.dayOfMonth, parts.month, parts.dayOfWeek].map((f) => f.text);
  const second = parts.withSeconds ? parts.second : { text: '0', values: new Set([0]) };
  return {
    ...parts,
    second,
    expression: (parts.withSeconds ? [parts.second.text, ...five] : five).join(' '),
  };
}

/** Any valid expression. */
const anySpecArb: fc.Arbitrary<Spec> = fc
  .record({
    withSeconds: fc.boolean(),
    second: fieldArb(SECOND),
    minute: fieldArb(MINUTE),
    hour: fieldArb(HOUR),
    dayOfMonth: fieldArb(DAY_OF_MONTH),
    month: fieldArb(MONTH),
    dayOfWeek: fieldArb(DAY_OF_WEEK),
  })
  .map(toSpec);

/**
 * "Fixed time" jobs (no `*` or step in second/minute/hour) at hours around the DST changes and
 * on most days, so that skipped and repeated wall times really come up.
 */
const fixedTimeSpecArb: fc.Arbitrary<Spec> = fc
  .record({
    withSeconds: fc.boolean(),
    second: listArb(SECOND, true),
    minute: listArb(MINUTE, true),
    hour: fc.oneof(
      listArb(HOUR, true),
      fc.integer({ min: 1, max: 3 }).map((hour) => ({ text: String(hour), values: new Set([hour]) })),
    ),
    dayOfMonth: fc.oneof({ weight: 3, arbitrary: fc.constant(star(DAY_OF_MONTH)) }, fieldArb(DAY_OF_MONTH)),
    month: fc.oneof({ weight: 3, arbitrary: fc.constant(star(MONTH)) }, fieldArb(MONTH)),
    dayOfWeek: fc.oneof({ weight: 3, arbitrary: fc.constant(star(DAY_OF_WEEK)) }, fieldArb(DAY_OF_WEEK)),
  })
  .map(toSpec);

const specArb = fc.oneof({ weight: 3, arbitrary: anySpecArb }, { weight: 1, arbitrary: fixedTimeSpecArb });

// ---------------------------------------------------------------------------------------------
// The model.

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock fields of an instant in a zone. */
function wallOf(ms: number, zone: string): Wall {
  const local = DateTime.fromMillis(ms, { zone });
  return {
    year: local.year,
    month: local.month,
    day: local.day,
    hour: local.hour,
    minute: local.minute,
    second: local.second,
  };
}

function offsetMinutes(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

function sameWall(a: Wall, b: Wall): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second
  );
}

/** Vixie: `*`-led day fields are unrestricted, then both must match; otherwise either may. */
function dayMatches(spec: Spec, wall: Wall): boolean {
  const weekday = new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay();
  const domOk = spec.dayOfMonth.values.has(wall.day);
  const dowOk = spec.dayOfWeek.values.has(weekday) || (weekday === 0 && spec.dayOfWeek.values.has(7));
  const eitherStar = spec.dayOfMonth.text.startsWith('*') || spec.dayOfWeek.text.startsWith('*');
  return eitherStar ? domOk && dowOk : domOk || dowOk;
}

function wallMatches(spec: Spec, wall: Wall): boolean {
  return (
    spec.second.values.has(wall.second) &&
    spec.minute.values.has(wall.minute) &&
    spec.hour.values.has(wall.hour) &&
    spec.month.values.has(wall.month) &&
    dayMatches(spec, wall)
  );
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A spec never fires only when both day fields must match and no chosen day-of-month exists in
 * any chosen month (`0 0 31 2 *`). With "either matches" a weekday always comes round; a
 * `*`-led day-of-month holds day 1; any real (month, day) falls on every weekday within decades.
 */
function neverFires(spec: Spec): boolean {
  if (!spec.dayOfWeek.text.startsWith('*') || spec.dayOfMonth.text.startsWith('*')) return false;
  return ![...spec.month.values].some((month) =>
    [...spec.dayOfMonth.values].some((day) => day <= DAYS_IN_MONTH[month - 1]),
  );
}

function isFixedTime(spec: Spec): boolean {
  return [spec.second, spec.minute, spec.hour].every((f) => !f.text.includes('*') && !f.text.includes('/'));
}

/** The wall clock of `ms` also occurred earlier (the second pass through a repeated hour). */
function isRepeatedLater(ms: number, zone: string): boolean {
  const wall = wallOf(ms, zone);
  return [30, 60, 120].some((minutes) => sameWall(wallOf(ms - minutes * MINUTE_MS, zone), wall));
}

/**
 * When `ms` is the instant right after a spring-forward change, the wall times the change
 * skipped (as naive wall-clock ms, at `granularityMs` spacing); otherwise empty.
 */
function skippedWallTimes(ms: number, zone: string, granularityMs: number): Wall[] {
  const before = offsetMinutes(ms - 1, zone);
  const after = offsetMinutes(ms, zone);
  if (after <= before) return [];
  const naiveStart = ms + before * MINUTE_MS;
  const naiveEnd = ms + after * MINUTE_MS;
  const walls: Wall[] = [];
  for (let naive = naiveStart; naive < naiveEnd; naive += granularityMs) walls.push(wallOf(naive, 'UTC'));
  return walls;
}

/** Whether the model says the trigger fires at `ms` (a whole second). */
function firesAt(spec: Spec, zone: string, ms: number): 'match' | 'gap' | false {
  const wall = wallOf(ms, zone);
  const fixed = isFixedTime(spec);
  if (wallMatches(spec, wall) && !(fixed && isRepeatedLater(ms, zone))) return 'match';
  if (fixed && skippedWallTimes(ms, zone, 1_000).some((skipped) => wallMatches(spec, skipped))) return 'gap';
  return false;
}

// ---------------------------------------------------------------------------------------------
// `now`: anywhere in 2024-2034, or within a day and a half of one of the zone's DST changes.

/** Spring-forward and fall-back instants of `zone` in `year`, to the minute. */
function transitionsOf(zone: string, year: number): number[] {
  const found: number[] = [];
  let previous = Date.UTC(year, 0, 1);
  for (let day = 1; day <= 366; day++) {
    const current = Date.UTC(year, 0, 1) + day * DAY_MS;
    if (offsetMinutes(previous, zone) !== offsetMinutes(current, zone)) {
      let [low, high] = [previous, current];
      while (high - low > MINUTE_MS) {
        const mid = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
        if (offsetMinutes(mid, zone) === offsetMinutes(low, zone)) low = mid;
        else high = mid;
      }
      found.push(high);
    }
    previous = current;
  }
  return found;
}

const TRANSITIONS: Record<string, number[]> = Object.fromEntries(
  ZONES.map((zone) => [zone, [2026, 2027, 2028, 2029, 2030].flatMap((year) => transitionsOf(zone, year))]),
);

const zoneArb = fc.constantFrom(...ZONES);

function nowArb(zone: string): fc.Arbitrary<number> {
  const anywhere = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2034, 11, 31) });
  const transitions = TRANSITIONS[zone];
  if (transitions.length === 0) return anywhere;
  const nearChange = fc
    .tuple(fc.constantFrom(...transitions), fc.integer({ min: -36 * 3_600_000, max: 36 * 3_600_000 }))
    .map(([change, delta]) => change + delta);
  return fc.oneof(anywhere, nearChange);
}

const caseArb = fc.record({ spec: specArb, zone: zoneArb }).chain(({ spec, zone }) =>
  fc.record({
    spec: fc.constant(spec),
    zone: fc.constant(zone),
    now: nowArb(zone),
    // A "now" on a whole minute is the case where "strictly after" matters most.
    wholeMinute: fc.boolean(),
  }),
);

// ---------------------------------------------------------------------------------------------

/** The first instant in (from, to) at which the model fires, stepping by `granularityMs`. */
function firstFireBetween(
  spec: Spec,
  zone: string,
  from: number,
  to: number,
  granularityMs: number,
): number | null {
  for (
    let ms = Math.floor(from / granularityMs) * granularityMs + granularityMs;
    ms < to;
    ms += granularityMs
  ) {
    if (firesAt(spec, zone, ms) !== false) return ms;
  }
  return null;
}

/** How far the "nothing in between" scan goes: minutes over 2 days, seconds over 15 minutes. */
function scanGranularity(spec: Spec, windowMs: number): number | null {
  if (!spec.withSeconds) return windowMs <= 2 * DAY_MS ? MINUTE_MS : null;
  return windowMs <= 15 * MINUTE_MS ? 1_000 : null;
}

function show(ms: number, zone: string): string {
  return `${new Date(ms).toISOString()} (${DateTime.fromMillis(ms, { zone }).toISO()})`;
}

const RUNS = {
  numRuns: Number(process.env.CRON_PROPERTY_RUNS ?? 200),
  seed: Number(process.env.CRON_PROPERTY_SEED ?? 20260514),
};

describe('CronTrigger (property, against an independent model)', () => {
  it('the zones used really have DST changes in the generated years (the DST cases are exercised)', () => {
    expect(TRANSITIONS['UTC']).toEqual([]);
    for (const zone of ZONES.slice(1)) expect(TRANSITIONS[zone]).toHaveLength(10);
  });

  it('nextFireTime is strictly after now, is a fire of the spec, and skips no earlier fire', () => {
    let scannedWindows = 0;
    fc.assert(
      fc.property(caseArb, ({ spec, zone, now: rawNow, wholeMinute }) => {
        const now = wholeMinute ? Math.floor(rawNow / MINUTE_MS) * MINUTE_MS : rawNow;
        const context = `${spec.expression} in ${zone} from ${show(now, zone)}`;
        const next = new CronTrigger(spec.expression, zone).nextFireTime(null, new Date(now));
        // null ("never") exactly when the model agrees no date can ever match.
        expect(next === null).toBe(neverFires(spec));
        if (next === null) return;
        const nextMs = next.getTime();

        expect(nextMs).toBeGreaterThan(now);
        expect(nextMs % 1_000).toBe(0);
        if (firesAt(spec, zone, nextMs) === false) {
          throw new Error(`${context}: returned ${show(nextMs, zone)}, which is not a fire of the spec`);
        }

        const granularity = scanGranularity(spec, nextMs - now);
        if (granularity !== null) {
          scannedWindows++;
          const earlier = firstFireBetween(spec, zone, now, nextMs, granularity);
          if (earlier !== null) {
            throw new Error(
              `${context}: returned ${show(nextMs, zone)} but ${show(earlier, zone)} fires earlier`,
            );
          }
        }
      }),
      RUNS,
    );
    // The scan really ran (a generator producing only far-away fires would make it vacuous).
    expect(scannedWindows).toBeGreaterThan(50);
  });

  it('latestFireTimeAtOrBefore is at or before the instant, is a fire of the spec, and skips no later fire', () => {
    let scannedWindows = 0;
    fc.assert(
      fc.property(caseArb, ({ spec, zone, now: rawNow, wholeMinute }) => {
        const instant = wholeMinute ? Math.floor(rawNow / MINUTE_MS) * MINUTE_MS : rawNow;
        const context = `${spec.expression} in ${zone} at or before ${show(instant, zone)}`;
        const trigger = new CronTrigger(spec.expression, zone);
        const latest = trigger.latestFireTimeAtOrBefore(new Date(instant));
        if (latest === null) {
          expect(neverFires(spec)).toBe(true);
          return;
        }
        const latestMs = latest.getTime();

        expect(latestMs).toBeLessThanOrEqual(instant);
        if (firesAt(spec, zone, latestMs) === false) {
          throw new Error(`${context}: returned ${show(latestMs, zone)}, which is not a fire of the spec`);
        }
        // At-or-before is inclusive: asking at the fire itself gives the fire back.
        expect(trigger.latestFireTimeAtOrBefore(latest)?.getTime()).toBe(latestMs);

        const granularity = scanGranularity(spec, instant - latestMs);
        if (granularity !== null) {
          scannedWindows++;
          const later = firstFireBetween(spec, zone, latestMs, instant + 1, granularity);
          if (later !== null) {
            throw new Error(
              `${context}: returned ${show(latestMs, zone)} but ${show(later, zone)} fires later`,
            );
          }
        }
      }),
      RUNS,
    );
    expect(scannedWindows).toBeGreaterThan(50);
  });
});
