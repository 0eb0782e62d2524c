import { InvalidScheduleError } from '../domain/domain-error';

/**
 * Checks a cron expression field by field before croner sees it, so that a wrong spec gets a
 * message naming the field and what it accepts (`minute field: 61 is out of range 0-59`)
 * rather than a parser's internal wording. Matching and next-fire search stay croner's.
 */

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  namesStartAt?: number;
}

const MONTH_NAMES = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const SECOND: FieldRule = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldRule = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldRule = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldRule = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldRule = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesStartAt: 1 };
const DAY_OF_WEEK: FieldRule = { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, namesStartAt: 0 };

const FIVE_FIELDS = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];
const SIX_FIELDS = [SECOND, ...FIVE_FIELDS];

export const CRON_NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const SHAPE =
  'expected 5 fields "minute hour day-of-month month day-of-week", 6 with seconds first, or a nickname such as @daily';

function describeAccepted(rule: FieldRule): string {
  const names = rule.names ? ` or ${rule.names[0]}-${rule.names[rule.names.length - 1]}` : '';
  return `${rule.min}-${rule.max}${names}`;
}

function parseValue(token: string, rule: FieldRule): number {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < rule.min || value > rule.max) {
      throw new InvalidScheduleError(`${rule.name} field: ${value} is out of range ${rule.min}-${rule.max}`);
    }
    return value;
  }
  const index = rule.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index >= 0) return index + (rule.namesStartAt ?? 0);
  throw new InvalidScheduleError(
    `${rule.name} field: ${JSON.stringify(token)} is not a valid value; expected ${describeAccepted(rule)}`,
  );
}

function checkItem(item: string, rule: FieldRule): void {
  const unsupported = `${rule.name} field: ${JSON.stringify(item)} is not supported; expected numbers${
    rule.names ? ' or names' : ''
  } (${describeAccepted(rule)}), ranges (a-b), steps (*/n or a-b/n) and lists (a,b)`;
  if (item === '') throw new InvalidScheduleError(`${rule.name} field: empty item in a list`);
  const [base, step, extra] = item.split('/');
  if (extra !== undefined) throw new InvalidScheduleError(unsupported);
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) {
      throw new InvalidScheduleError(
        `${rule.name} field: step ${JSON.stringify(step)} must be a whole number`,
      );
    }
    const stepValue = Number(step);
    if (stepValue < 1 || stepValue > rule.max) {
      throw new InvalidScheduleError(`${rule.name} field: step ${stepValue} is out of range 1-${rule.max}`);
    }
    if (base !== '*' && !base.includes('-')) {
      throw new InvalidScheduleError(
        `${rule.name} field: a step needs * or a range before it, e.g. */${stepValue} or ${rule.min}-${rule.max}/${stepValue} (got ${JSON.stringify(item)})`,
      );
    }
  }
  if (base === '*') return;
  const bounds = base.split('-');
  if (bounds.length > 2 || bounds.some((bound) => !/^[a-z0-9]+$/i.test(bound))) {
    throw new InvalidScheduleError(unsupported);
  }
  const [from, to] = bounds.map((bound) => parseValue(bound, rule));
  if (to !== undefined && from > to) {
    throw new InvalidScheduleError(
      `${rule.name} field: range ${bounds[0]}-${bounds[1]} is backwards; write the smaller value first`,
    );
  }
}

/** Validates `expression` and returns it in the form croner is given (nicknames expanded). */
export function normalizeCronExpression(expression: string): string {
  const trimmed = expression.trim().replace(/\s+/g, ' ');
  if (trimmed === '') throw new InvalidScheduleError(`cron: empty expression; ${SHAPE}`);
  if (trimmed.startsWith('@')) {
    const expanded = CRON_NICKNAMES[trimmed.toLowerCase()];
    if (!expanded) {
      throw new InvalidScheduleError(
        `cron: ${JSON.stringify(trimmed)} is not a supported nickname; expected one of ${Object.keys(CRON_NICKNAMES).join(', ')}`,
      );
    }
    return expanded;
  }
  const fields = trimmed.split(' ');
  const rules = fields.length === 5 ? FIVE_FIELDS : fields.length === 6 ? SIX_FIELDS : undefined;
  if (!rules) throw new InvalidScheduleError(`cron: got ${fields.length} fields; ${SHAPE}`);
  const dayOfMonthIndex = fields.length - 3;
  // `L` alone in day-of-month is the month's last day, as croner and cronstrue read it.
  if (fields[dayOfMonthIndex] === 'l') fields[dayOfMonthIndex] = 'L';
  fields.forEach((field, index) => {
    if (index === dayOfMonthIndex && field === 'L') return;
    field.split(',').forEach((item) => checkItem(item, rules[index]));
  });
  return fields.join(' ');
}

/** True when the expression has seconds (6 fields). */
export function hasSecondsField(normalized: string): boolean {
  return normalized.split(' ').length === 6;
}
