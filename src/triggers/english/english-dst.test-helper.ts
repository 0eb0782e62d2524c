import { DateTime } from 'luxon';
import { parseDuration } from '../duration';
import { parseScheduleSpec } from '../parse-schedule-spec';

/**
 * An oracle for the phrase corpus, written apart from croner: the fire times a spec must give,
 * enumerated on the zone's wall clock with luxon. Each reference instant sits three seconds
 * before its zone changes its clocks (spring forward: New York 14 March 2027, Berlin 28 March
 * 2027; fall back: Berlin 31 October 2027, New York 7 November 2027), so the first five fires of
 * every phrase straddle a DST change.
 */
export const DST_REFERENCES: ReadonlyArray<[zone: string, change: string, reference: Date]> = [
  ['America/New_York', 'spring', new Date('2027-03-14T06:59:57Z')],
  ['Europe/Berlin', 'spring', new Date('2027-03-28T00:59:57Z')],
  ['America/New_York', 'autumn', new Date('2027-11-07T05:59:57Z')],
  ['Europe/Berlin', 'autumn', new Date('2027-10-31T00:59:57Z')],
];

export const FIRES = 5;

/** The first `FIRES` instants the real trigger gives, as the preview walks them. */
export function triggerFires(spec: string, timezone: string, reference: Date): Date[] {
  const trigger = parseScheduleSpec(spec, { timezone, scheduledAt: reference });
  const fires: Date[] = [];
  let previous: Date | null = null;
  while (fires.length < FIRES) {
    const next = trigger.nextFireTime(previous, reference);
    if (!next) break;
    fires.push(next);
    previous = next;
  }
  return fires;
}

type Field = { values: Set<number>; star: boolean; last: boolean };

function readField(text: string, min: number, max: number): Field {
  const values = new Set<number>();
  let last = false;
  for (const item of text.split(',')) {
    if (item === 'L') {
      last = true;
      continue;
    }
    const [range, step = '1'] = item.split('/');
    let [from, to] = [min, max];
    if (range.includes('-')) [from, to] = range.split('-').map(Number);
    else if (range !== '*') from = to = Number(range);
    for (let value = from; value <= to; value += Number(step)) values.add(value);
  }
  return { values, star: text.startsWith('*'), last };
}

/**
 * Cron's fires on the zone's wall clock, by Vixie's rules: days by the day fields (either one
 * when both are restricted), times inside a DST gap skipped, a repeated hour fired once by a
 * fixed time (no `*` or step in second, minute, hour) and twice by the others. The corpus names
 * no fixed time inside a gap (Vixie would fire it at the change), so meeting one is an error.
 */
function cronFires(expression: string, timezone: string, reference: Date): Date[] {
  const parts = expression.split(' ');
  const fields = parts.length === 6 ? parts : ['0', ...parts];
  const sorted = (field: Field) => [...field.values].sort((a, b) => a - b);
  const [seconds, minutes, hours] = [
    readField(fields[0], 0, 59),
    readField(fields[1], 0, 59),
    readField(fields[2], 0, 23),
  ];
  const dayOfMonth = readField(fields[3], 1, 31);
  const months = readField(fields[4], 1, 12);
  const dayOfWeek = readField(fields[5], 0, 6);
  const fixedTime = [fields[0], fields[1], fields[2]].every((field) => !/[*/]/.test(field));
  const fires: Date[] = [];
  let day = DateTime.fromJSDate(reference, { zone: timezone }).startOf('day');
  for (let n = 0; n < 4000 && fires.length < FIRES; n++, day = day.plus({ days: 1 })) {
    if (!months.values.has(day.month)) continue;
    const domMatch = dayOfMonth.values.has(day.day) || (dayOfMonth.last && day.day === day.daysInMonth);
    const dowMatch = dayOfWeek.values.has(day.weekday % 7);
    const dayMatch = dayOfMonth.star || dayOfWeek.star ? domMatch && dowMatch : domMatch || dowMatch;
    if (!dayMatch) continue;
    for (const hour of sorted(hours)) {
      // One wall-clock hour at a time: a repeated hour's two passes are sorted into real order.
      const block: number[] = [];
      for (const minute of sorted(minutes)) {
        for (const second of sorted(seconds)) {
          const local = DateTime.fromObject(
            { year: day.year, month: day.month, day: day.day, hour, minute, second },
            { zone: timezone },
          );
          if (local.hour !== hour || local.minute !== minute) {
            if (fixedTime) throw new Error(`corpus: ${expression} names a wall time inside a DST gap`);
            continue;
          }
          const instants = local.getPossibleOffsets().map((candidate) => candidate.toMillis());
          block.push(...(fixedTime ? [Math.min(...instants)] : instants));
        }
      }
      for (const instant of block.sort((a, b) => a - b)) {
        if (instant > reference.getTime() && fires.length < FIRES) fires.push(new Date(instant));
      }
    }
  }
  return fires;
}

/** What a spec of the corpus must fire at from `reference` (cron, `every`, `in:`). */
export function oracleFires(spec: string, timezone: string, reference: Date): Date[] {
  if (spec.startsWith('cron:')) return cronFires(spec.slice(5), timezone, reference);
  const delay = /^(every |in:)(.+)$/.exec(spec);
  if (!delay) throw new Error(`corpus: no oracle for ${spec}`);
  const period = parseDuration(delay[2], 'corpus');
  const count = delay[1] === 'in:' ? 1 : FIRES;
  return Array.from({ length: count }, (_, k) => new Date(reference.getTime() + (k + 1) * period));
}

/** The zone's UTC offset at an instant, in minutes. */
export const offsetAt = (instant: Date, timezone: string): number =>
  DateTime.fromJSDate(instant, { zone: timezone }).offset;
