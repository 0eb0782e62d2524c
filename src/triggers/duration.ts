import { InvalidScheduleError } from '../domain/domain-error';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_WORDS: Record<Unit, string> = { w: 'week', d: 'day', h: 'hour', m: 'minute', s: 'second' };
const UNIT_ORDER: Unit[] = ['w', 'd', 'h', 'm', 's'];

/** Longest accepted duration: 10 years keeps every date arithmetic far inside Date's range. */
export const MAX_DURATION_MS = 3650 * UNIT_MS.d;

/**
 * Parses `30m`, `1h30m`, `2d`, `1w 2d` into milliseconds. `label` names the spec part in errors
 * (`every`, `in`).
 */
export function parseDuration(text: string, label: string): number {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  const expected = `expected a number followed by a unit s, m, h, d or w (e.g. 30s, 30m, 1h30m, 2d)`;
  if (compact === '') throw new InvalidScheduleError(`${label}: missing duration; ${expected}`);
  if (!/^(\d+[a-z]+)+$/.test(compact)) {
    throw new InvalidScheduleError(`${label}: ${JSON.stringify(text.trim())} is not a duration; ${expected}`);
  }
  let total = 0;
  const seen = new Set<string>();
  for (const [, amount, unit] of compact.matchAll(/(\d+)([a-z]+)/g)) {
    if (!(unit in UNIT_MS)) {
      throw new InvalidScheduleError(`${label}: unknown unit ${JSON.stringify(unit)}; ${expected}`);
    }
    if (seen.has(unit))
      throw new InvalidScheduleError(`${label}: unit ${JSON.stringify(unit)} appears twice`);
    seen.add(unit);
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  if (total > MAX_DURATION_MS)
    throw new InvalidScheduleError(`${label}: duration must be at most 3650d (10 years)`);
  return total;
}

/** `5400000` → `1 hour 30 minutes`; used by descriptions. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  // Weeks only when the days make whole weeks: 30 days reads "30 days", not "4 weeks 2 days".
  const wholeWeeks = Math.floor(ms / UNIT_MS.d) % 7 === 0;
  for (const unit of UNIT_ORDER) {
    if (unit === 'w' && !wholeWeeks) continue;
    const count = Math.floor(rest / UNIT_MS[unit]);
    rest -= count * UNIT_MS[unit];
    if (count > 0) parts.push(`${count} ${UNIT_WORDS[unit]}${count === 1 ? '' : 's'}`);
  }
  if (rest > 0) parts.push(`${rest} ms`);
  return parts.join(' ') || '0 seconds';
}
