import { isValidTimeZone } from '../time-zone';
import { PhraseRefusal } from './phrase-refusal';

/**
 * A time zone at the end of a phrase: "… Berlin time", "… in New York time", "… UTC", "… GMT",
 * "… in Europe/Berlin". Cities are the last part of an IANA name (`Europe/Berlin` → "berlin",
 * `America/New_York` → "new york"). Abbreviations other than UTC and GMT are refused: EST, CST
 * or IST each name several clocks (IST is India, Ireland or Israel), and "EST" in summer may
 * mean New York's clock or a fixed UTC−5.
 */

const UTC_WORDS = new Set(['utc', 'gmt', 'z', 'zulu']);
const AMBIGUOUS_ABBREVIATIONS = new Set(
  'est edt cst cdt mst mdt pst pdt akst akdt hst ist bst cet cest eet eest wet west aest aedt acst acdt awst jst kst msk sgt hkt nzst nzdt sast wat cat eat pkt ict wib brt art'.split(
    ' ',
  ),
);

let cities: Map<string, string[]> | null = null;

/** City name → IANA zones ending in it, built once from the runtime's zone list. */
function cityZones(): Map<string, string[]> {
  if (cities) return cities;
  cities = new Map();
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const city = zone
      .slice(zone.lastIndexOf('/') + 1)
      .replace(/_/g, ' ')
      .toLowerCase();
    if (!zone.includes('/') || zone.startsWith('Etc/')) continue;
    cities.set(city, [...(cities.get(city) ?? []), zone]);
  }
  return cities;
}

/** `europe/berlin` → `Europe/Berlin`, if the runtime knows that zone in any spelling. */
function canonicalZoneName(lowered: string): string | null {
  const zones = Intl.supportedValuesOf('timeZone');
  const found = zones.find((zone) => zone.toLowerCase() === lowered);
  if (found) return found;
  // Names the runtime keeps as aliases only (Asia/Kolkata on some ICU versions): title-case them.
  const titled = lowered.replace(
    /(^|[/_-])([a-z])/g,
    (_, sep: string, letter: string) => sep + letter.toUpperCase(),
  );
  return isValidTimeZone(titled) ? titled : null;
}

export interface ZoneSplit {
  /** The phrase without its time-zone words. */
  rest: string;
  /** The IANA zone the phrase names, or null when it names none. */
  zone: string | null;
}

function cityZone(words: string[]): string | null {
  for (let take = Math.min(3, words.length); take >= 1; take--) {
    const city = words.slice(words.length - take).join(' ');
    const zones = cityZones().get(city);
    if (!zones) continue;
    if (zones.length > 1) {
      throw new PhraseRefusal(
        `"${city}" names several zones (${zones.join(', ')}); write one of them`,
        'zone',
      );
    }
    words.splice(words.length - take, take);
    return zones[0];
  }
  return null;
}

/** Splits a normalized phrase into its schedule words and the time zone it ends with. */
export function splitTimeZone(text: string): ZoneSplit {
  const words = text.split(' ');
  const last = words[words.length - 1];
  const strip = (count: number) => {
    words.splice(words.length - count, count);
    if (words[words.length - 1] === 'in') words.pop();
    return words.join(' ');
  };
  if (UTC_WORDS.has(last) || (last === 'time' && UTC_WORDS.has(words[words.length - 2] ?? ''))) {
    return { zone: 'UTC', rest: strip(last === 'time' ? 2 : 1) };
  }
  if (
    AMBIGUOUS_ABBREVIATIONS.has(last) ||
    (last === 'time' && AMBIGUOUS_ABBREVIATIONS.has(words[words.length - 2]))
  ) {
    const abbreviation = (last === 'time' ? words[words.length - 2] : last).toUpperCase();
    throw new PhraseRefusal(
      `${abbreviation} is ambiguous (several zones use it, and it does not say whether daylight saving applies); name a city ("New York time") or an IANA zone ("in America/New_York")`,
      'zone',
    );
  }
  if (last.includes('/') && words[words.length - 2] === 'in') {
    const zone = canonicalZoneName(last);
    if (!zone) throw new PhraseRefusal(`"${last}" is not an IANA time zone`, 'zone');
    return { zone, rest: strip(1) };
  }
  if (last === 'time' && words.length > 1) {
    const before = words.slice(0, -1);
    const zone = cityZone(before);
    if (!zone) {
      throw new PhraseRefusal(
        `"${words[words.length - 2]}" is not a city this reader knows (cities are the last part of IANA zone names, such as Berlin or New York)`,
        'zone',
      );
    }
    if (before[before.length - 1] === 'in') before.pop();
    return { zone, rest: before.join(' ') };
  }
  return { zone: null, rest: text };
}
