import { DomainError, ErrorCode, InvalidScheduleError } from '../domain/domain-error';
import { SCHEDULE_OR_TEXT } from '../api/dto/either-field';
import { resolveScheduleSource } from './schedule-source';

const NOW = new Date('2027-03-10T12:00:00Z');

describe('resolveScheduleSource', () => {
  it('takes a spec as given, in the request zone or the default', () => {
    expect(resolveScheduleSource({ schedule: ' every 1h ' }, 'UTC', NOW)).toEqual({
      spec: 'every 1h',
      text: null,
      timezone: 'UTC',
    });
    expect(
      resolveScheduleSource({ schedule: 'every 1h', timezone: 'Europe/Berlin' }, 'UTC', NOW).timezone,
    ).toBe('Europe/Berlin');
  });

  it('reads text against now, keeping the text and the zone it names', () => {
    expect(resolveScheduleSource({ text: 'tomorrow at 3pm Berlin time' }, 'UTC', NOW)).toEqual({
      spec: 'at:2027-03-11T15:00:00',
      text: 'tomorrow at 3pm Berlin time',
      timezone: 'Europe/Berlin',
    });
  });

  it('refuses both, neither, and a text zone that contradicts the request', () => {
    const both = () => resolveScheduleSource({ schedule: 'every 1h', text: 'every hour' }, 'UTC', NOW);
    expect(both).toThrow(new DomainError(ErrorCode.InvalidInput, SCHEDULE_OR_TEXT));
    expect(() => resolveScheduleSource({}, 'UTC', NOW)).toThrow('schedule or text is required');
    expect(() =>
      resolveScheduleSource({ text: 'every day at 9am UTC', timezone: 'Europe/Berlin' }, 'UTC', NOW),
    ).toThrow(InvalidScheduleError);
  });
});
