import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import { InvalidScheduleError } from '../domain/domain-error';
import { normalizeCronExpression } from './cron-expression';
import { Trigger } from './trigger';

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * croner (v11) gives every pattern a 10,000-entry array of the years it may fire in: 80 KB a
 * schedule, 800 MB for 10,000 schedules planned at once. Our expressions have no year field, so
 * that array is always "every year" (and croner skips it when `starYear` is set); one shared,
 * frozen copy serves them all. Any other shape is left alone.
 */
const EVERY_YEAR: readonly number[] = Object.freeze(Array<number>(10_000).fill(1));

function shareYearTable(cron: Cron): void {
  const pattern = (cron as unknown as { _states?: { pattern?: { starYear?: boolean; year?: unknown } } })
    ._states?.pattern;
  // croner sets starYear exactly when it fills the table with ones (a `*` year field).
  if (
    pattern?.starYear === true &&
    Array.isArray(pattern.year) &&
    pattern.year.length === EVERY_YEAR.length
  ) {
    pattern.year = EVERY_YEAR;
  }
}

/**
 * Zones that are UTC all year. croner resolves a named zone through Intl on every step of its
 * search; a fixed offset is plain arithmetic, about ten times cheaper for the same instants.
 */
const UTC_ZONES = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'GMT',
  'Etc/GMT',
]);

/**
 * The pattern croner is given for a validated, normalized expression. Two croner behaviours
 * differ from Vixie cron and are corrected here:
 *
 * - Day names become numbers first. croner reads `SUN` after a `-` as 7 (so `SUN-SUN` or
 *   `0-SUN`, which the validator reads as Sunday only, would match every day); Vixie reads a
 *   name as its first number, Sunday 0.
 * - Vixie picks between "either day field matches" and "both must match" from the first
 *   character of the raw fields (`entry.c`: `if (ch == '*') e->flags |= DOM_STAR`): a
 *   day-of-month or day-of-week field that starts with `*` (a plain `*`, a step over `*`, or a
 *   list such as `*,10`) counts as unrestricted, and then both fields must match. croner only
 *   treats an exact `*` that way, so "every second day of the month, on Fridays" would fire on
 *   every odd day and on every Friday instead of on odd-day Fridays. croner's `+` prefix on the
 *   weekday field forces "both must match"; it is added exactly where Vixie would AND. The `+`
 *   never comes from a user: the validator refuses it.
 */
export function toCronerPattern(normalized: string): string {
  const fields = normalized.split(' ');
  const dayOfWeekIndex = fields.length - 1;
  const dayOfMonth = fields[dayOfWeekIndex - 2];
  const dayOfWeek = fields[dayOfWeekIndex].replace(/[a-z]+/gi, (name) =>
    String(DAY_NAMES.indexOf(name.toUpperCase())),
  );
  const bothMustMatch = dayOfWeek !== '*' && (dayOfMonth.startsWith('*') || dayOfWeek.startsWith('*'));
  fields[dayOfWeekIndex] = bothMustMatch ? `+${dayOfWeek}` : dayOfWeek;
  return fields.join(' ');
}

/** A parsed expression in one zone: croner's matcher, and its description once asked for. */
interface CompiledCron {
  cron: Cron;
  normalized: string;
  description: string | null;
  /** Recent answers of the next-run search, by the instant searched from (see nextAfter). */
  nextRuns: Map<number, number | null>;
}

/**
 * How many next-run answers a pattern keeps. Schedules sharing a pattern fire at the same
 * instants, so a planning pass asks each pattern the same few questions (the next instant after
 * each of the horizon's instants) once per schedule: 10,000 schedules on one pattern ask each
 * question 10,000 times. croner answers each by a fresh search that allocates as it goes (at
 * 10,000 fires/s about a sixth of the service's allocations, BENCHMARKS.md); the answer depends
 * on the pattern and that instant only (the `Cron` has no start, stop or run state).
 */
const NEXT_RUN_MEMO_SIZE = 64;

function nextAfter(compiled: CompiledCron, from: Date): Date | null {
  const fromMs = from.getTime();
  let nextMs = compiled.nextRuns.get(fromMs);
  if (nextMs === undefined) {
    nextMs = compiled.cron.nextRun(from)?.getTime() ?? null;
    if (compiled.nextRuns.size >= NEXT_RUN_MEMO_SIZE) compiled.nextRuns.clear();
    compiled.nextRuns.set(fromMs, nextMs);
  }
  // A Date of its own for each caller: Dates are mutable.
  return nextMs === null ? null : new Date(nextMs);
}

/**
 * Parsed expressions, shared by every trigger with the same text and zone: croner's parse and
 * cronstrue's description cost a REST request more than its database write, and most
 * schedules share a few common expressions. A croner `Cron` without a callback is never
 * started, so its next-run search reads nothing but the pattern: sharing it is safe. Oldest
 * entries go first beyond COMPILED_CRON_LIMIT.
 */
const compiledCrons = new Map<string, CompiledCron>();
export const COMPILED_CRON_LIMIT = 2_000;

function compile(expression: string, timezone: string): CompiledCron {
  const key = `${timezone} ${expression}`;
  const cached = compiledCrons.get(key);
  if (cached) return cached;
  const normalized = normalizeCronExpression(expression);
  let cron: Cron;
  try {
    cron = new Cron(toCronerPattern(normalized), {
      ...(UTC_ZONES.has(timezone) ? { utcOffset: 0 } : { timezone }),
      mode: '5-or-6-parts',
      domAndDow: false,
      fixedTimeRule: 'no-wildcard',
    });
  } catch (error) {
    throw new InvalidScheduleError(`cron: ${(error as Error).message.replace(/^CronPattern: /, '')}`);
  }
  shareYearTable(cron);
  const compiled: CompiledCron = { cron, normalized, description: null, nextRuns: new Map() };
  if (compiledCrons.size >= COMPILED_CRON_LIMIT) compiledCrons.delete(compiledCrons.keys().next().value!);
  compiledCrons.set(key, compiled);
  return compiled;
}

/** How many parsed expressions are kept (for tests). */
export const compiledCronCount = (): number => compiledCrons.size;

/**
 * `cron:<expression>` in a time zone. croner does the matching and the next-time search; the
 * options below pin the semantics we promise:
 * - `domAndDow: false`: day-of-month and day-of-week follow Vixie cron (either matches when both
 *   are restricted; a field starting with `*` is unrestricted, see `toCronerPattern`);
 * - `fixedTimeRule: 'no-wildcard'`: Vixie's DST rule — a job whose second, minute and hour
 *   fields hold no wildcard or step is "fixed time": in a skipped hour it fires once right after
 *   the change, in a repeated hour once; other jobs keep their real spacing.
 */
export class CronTrigger implements Trigger {
  readonly type = 'cron' as const;
  private readonly compiled: CompiledCron;

  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    this.compiled = compile(expression, timezone);
  }

  private get cron(): Cron {
    return this.compiled.cron;
  }

  /** Throws when no instant after `from` ever matches (e.g. `0 0 31 2 *`). */
  assertFiresAfter(from: Date): void {
    if (this.cron.nextRun(from) === null) {
      throw new InvalidScheduleError(
        `cron: ${JSON.stringify(this.expression.trim())} never fires (no calendar date matches it)`,
      );
    }
  }

  nextFireTime(previous: Date | null, now: Date): Date | null {
    return nextAfter(this.compiled, previous ?? now);
  }

  latestFireTimeAtOrBefore(instant: Date): Date | null {
    // croner's previousRuns is strictly before its reference.
    return this.cron.previousRuns(1, new Date(instant.getTime() + 1))[0] ?? null;
  }

  describe(): string {
    this.compiled.description ??= this.describeNormalized();
    return this.compiled.description;
  }

  private describeNormalized(): string {
    const options = { use24HourTimeFormat: true, verbose: false };
    const fields = this.compiled.normalized.split(' ');
    const last = fields.length - 1;
    let [dayOfMonth, dayOfWeek] = [fields[last - 2], fields[last]];
    // Describe what fires under Vixie's day rule (see toCronerPattern), not cronstrue's reading
    // of the text: a day field that allows every day adds nothing when both must match, and
    // makes every day match when either may.
    const bothMustMatch = dayOfMonth.startsWith('*') || dayOfWeek.startsWith('*');
    const allDays = (field: string) => field.split(',').some((item) => item === '*' || item === '*/1');
    if (bothMustMatch) {
      if (allDays(dayOfMonth)) dayOfMonth = '*';
      if (allDays(dayOfWeek)) dayOfWeek = '*';
    } else if (allDays(dayOfMonth) || allDays(dayOfWeek)) {
      [dayOfMonth, dayOfWeek] = ['*', '*'];
    }
    const pattern = (dom: string, dow: string) =>
      [...fields.slice(0, last - 2), dom, fields[last - 1], dow].join(' ');
    let text: string;
    if (bothMustMatch && dayOfMonth !== '*' && dayOfWeek !== '*') {
      // cronstrue would join the two with "and", which reads as either; say the weekday limits the days.
      const weekdays = cronstrue.toString(`0 0 * * ${dayOfWeek}`, options).replace(/^At 00:00, /, '');
      text = `${cronstrue.toString(pattern(dayOfMonth, '*'), options)}, ${weekdays}`;
    } else {
      text = cronstrue.toString(pattern(dayOfMonth, dayOfWeek), options);
    }
    // cronstrue says "At 02:30" for a daily job; say "every day" so it reads unambiguously.
    if (dayOfMonth === '*' && fields[last - 1] === '*' && dayOfWeek === '*' && /^At [\d:]+$/.test(text)) {
      text += ' every day';
    }
    return this.timezone === 'UTC' ? text : `${text} (${this.timezone})`;
  }
}
