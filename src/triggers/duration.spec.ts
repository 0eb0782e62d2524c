import { InvalidScheduleError } from '../domain/domain-error';
import { formatDuration, MAX_DURATION_MS, parseDuration } from './duration';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;

const EXPECTED = 'expected a number followed by a unit s, m, h, d or w (e.g. 30s, 30m, 1h30m, 2d)';

describe('parseDuration', () => {
  it.each([
    ['1s', S],
    ['30s', 30 * S],
    ['30m', 30 * M],
    ['1h', H],
    ['1h30m', H + 30 * M],
    ['90m', 90 * M],
    ['2d', 2 * D],
    ['1w', W],
    ['2w', 2 * W],
    ['1w 2d', W + 2 * D],
    ['1w2d3h4m5s', W + 2 * D + 3 * H + 4 * M + 5 * S],
    ['5s1m', 5 * S + M],
    ['30M', 30 * M],
    ['1H30M', H + 30 * M],
    ['  1h   30m  ', H + 30 * M],
    ['007m', 7 * M],
    ['0s', 0],
    ['3650d', 3650 * D],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text, 'every')).toBe(ms);
  });

  it('accepts exactly the maximum (3650 days) and nothing beyond', () => {
    expect(MAX_DURATION_MS).toBe(3650 * D);
    expect(parseDuration('3649d23h59m59s', 'every')).toBe(MAX_DURATION_MS - S);
    expect(() => parseDuration('3650d1s', 'every')).toThrow(
      'every: duration must be at most 3650d (10 years)',
    );
    expect(() => parseDuration('99999999999999999999999d', 'every')).toThrow(
      'every: duration must be at most 3650d (10 years)',
    );
  });

  it.each([
    ['', `every: missing duration; ${EXPECTED}`],
    ['   ', `every: missing duration; ${EXPECTED}`],
    ['30', `every: "30" is not a duration; ${EXPECTED}`],
    ['m', `every: "m" is not a duration; ${EXPECTED}`],
    ['1.5h', `every: "1.5h" is not a duration; ${EXPECTED}`],
    ['-5m', `every: "-5m" is not a duration; ${EXPECTED}`],
    ['1h30', `every: "1h30" is not a duration; ${EXPECTED}`],
    ['h1', `every: "h1" is not a duration; ${EXPECTED}`],
    ['1h,30m', `every: "1h,30m" is not a duration; ${EXPECTED}`],
    ['30x', `every: unknown unit "x"; ${EXPECTED}`],
    ['500ms', `every: unknown unit "ms"; ${EXPECTED}`],
    ['2 days', `every: unknown unit "days"; ${EXPECTED}`],
    ['1y', `every: unknown unit "y"; ${EXPECTED}`],
    ['1h1h', 'every: unit "h" appears twice'],
    ['1m 2s 3m', 'every: unit "m" appears twice'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseDuration(text, 'every')).toThrow(new InvalidScheduleError(message));
    expect(() => parseDuration(text, 'every')).toThrow(InvalidScheduleError);
  });

  it('names the spec part it was given in its messages', () => {
    expect(() => parseDuration('', 'in')).toThrow(`in: missing duration; ${EXPECTED}`);
    expect(() => parseDuration(' soon ', 'in')).toThrow(`in: "soon" is not a duration; ${EXPECTED}`);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 seconds'],
    [500, '500 ms'],
    [S, '1 second'],
    [S + 500, '1 second 500 ms'],
    [30 * S, '30 seconds'],
    [M, '1 minute'],
    [90 * S, '1 minute 30 seconds'],
    [30 * M, '30 minutes'],
    [H, '1 hour'],
    [H + 30 * M, '1 hour 30 minutes'],
    [2 * H, '2 hours'],
    [D, '1 day'],
    [D + H + M + S, '1 day 1 hour 1 minute 1 second'],
    [6 * D, '6 days'],
    [W, '1 week'],
    [W + H, '1 week 1 hour'],
    [2 * W, '2 weeks'],
    [2 * W + S, '2 weeks 1 second'],
    // weeks only when the days make whole weeks
    [9 * D, '9 days'],
    [30 * D, '30 days'],
    [3650 * D, '3650 days'],
    [3647 * D, '521 weeks'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each(['1s', '45s', '30m', '1h30m', '2d', '1w', '30d', '1d1h1m1s'])(
    'round-trips %j through parse and format and parse',
    (text) => {
      const ms = parseDuration(text, 'every');
      const words = formatDuration(ms).replace(/(\d+) (\w)\w*/g, '$1$2');
      expect(parseDuration(words, 'every')).toBe(ms);
    },
  );
});
