import { isScheduleSpec, whenFields } from './when';

describe('isScheduleSpec', () => {
  it.each([
    'cron:0 9 * * 1-5',
    'CRON:0 9 * * *',
    'every 30m',
    'every 1h30m',
    'every 1h 30m',
    'every:5s',
    'in 2h',
    'in:90s',
    'at:2027-05-14T14:30',
    'at 2027-05-14T14:30:00+02:00',
    'on:deploy',
    'after:0b7c0d3e-4a6f-4c2b-9a51-6f1f2d3c4b5a',
    'after 0b7c0d3e-4a6f-4c2b-9a51-6f1f2d3c4b5a',
    '  every 10s  ',
  ])('%s is a spec', (when) => expect(isScheduleSpec(when)).toBe(true));

  it.each([
    'every weekday at 9am',
    'every 15 minutes between 9am and 5pm on weekdays',
    'every day at noon',
    'in 2 hours',
    'at 5pm',
    'on monday at 9',
    'on deploy',
    'tomorrow at 3pm',
    'hourly',
    'next friday at 9',
  ])('%s is English', (when) => expect(isScheduleSpec(when)).toBe(false));

  it('whenFields names the REST field and trims', () => {
    expect(whenFields(' every 1h ')).toEqual({ schedule: 'every 1h' });
    expect(whenFields(' in 2 hours ')).toEqual({ text: 'in 2 hours' });
  });
});
