import { IANAZone } from 'luxon';
import { InvalidScheduleError } from '../common/domain-error';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

export function assertTimeZone(zone: string): string {
  if (!isValidTimeZone(zone)) {
    throw new InvalidScheduleError(
      `timezone: ${JSON.stringify(zone)} is not an IANA time zone; expected a name such as UTC, Europe/Berlin or America/New_York`,
    );
  }
  return zone;
}
