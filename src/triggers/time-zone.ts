import { IANAZone } from 'luxon';
import { InvalidScheduleError } from '../domain/domain-error';

/** Zones already found valid: the check builds an Intl formatter (~0.2 ms), and planning asks often. */
const validZones = new Set<string>();

export function isValidTimeZone(zone: string): boolean {
  if (validZones.has(zone)) return true;
  // Node 24's Intl (so luxon) also takes UTC offsets such as +02:00, which Node 20 refuses: an
  // offset is not an IANA name on any Node.
  const valid = !/^[+-]/.test(zone) && IANAZone.isValidZone(zone);
  if (valid) validZones.add(zone);
  return valid;
}

export function assertTimeZone(zone: string): string {
  if (!isValidTimeZone(zone)) {
    throw new InvalidScheduleError(
      `timezone: ${JSON.stringify(zone)} is not an IANA time zone; expected a name such as UTC, Europe/Berlin or America/New_York`,
    );
  }
  return zone;
}
