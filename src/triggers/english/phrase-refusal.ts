/**
 * Why a phrase was refused, and what to offer instead. Every refusal names what was understood
 * (so the caller sees how far the reading got) and offers three phrasings that work, chosen by
 * what went wrong; the refusal table test parses every suggestion.
 */

export type RefusalKind =
  | 'unknown'
  | 'time'
  | 'times'
  | 'days'
  | 'monthly'
  | 'every-other'
  | 'between'
  | 'interval'
  | 'one-off'
  | 'zone';

export class PhraseRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly kind: RefusalKind,
  ) {
    super(reason);
  }
}

export const SUGGESTIONS: Readonly<Record<RefusalKind, readonly [string, string, string]>> = {
  unknown: ['every weekday at 9am', 'every 15 minutes', 'tomorrow at 3pm'],
  time: ['every day at 9:30am', 'every day at 17:00', 'tomorrow at noon'],
  times: ['every day at 9am and 5pm', 'every day at 9:30am', 'every weekday at 9:30'],
  days: ['every monday at 9am', 'every monday, wednesday and friday at 9am', 'every weekday at 9am'],
  monthly: ['on the last day of every month at 9am', 'on the 1st of every month at 9am', 'monthly'],
  'every-other': ['every monday at 9am', 'every 2 weeks', 'on the 1st and 15th of every month at 9am'],
  between: [
    'every 15 minutes between 9am and 5pm on weekdays',
    'every hour between 9am and 5pm',
    'every 30 minutes between 8:00 and 18:00',
  ],
  interval: ['every 30 seconds', 'every 15 minutes', 'every 2 hours'],
  'one-off': ['tomorrow at 3pm', 'in 2 hours', 'on 14 may 2027 at 14:30'],
  zone: ['every day at 9am Berlin time', 'tomorrow at 17:00 UTC', 'every weekday at 9am New York time'],
};

/** Pieces a reader can point at in any phrase: what "understood" lists in a refusal. */
const RECOGNIZED: ReadonlyArray<[RegExp, string]> = [
  [/\b(every|each)\b/g, 'repetition'],
  [/\b(other|alternate|biweekly|fortnightly|fortnight)\b/g, 'alternation'],
  [
    /(?<![\d.])\d{1,4} ?(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b/g,
    'duration',
  ],
  [/\b(mon|tues?|wed(nes)?|thu(rs?)?|fri|sat(ur)?|sun)(day)?s?\b/g, 'day'],
  [/\b(weekdays?|weekends?|daily|hourly|weekly|monthly|yearly|annually)\b/g, 'recurrence'],
  [/\b(\d{1,2}(:\d{2})? ?(am|pm)|\d{1,2}:\d{2}|noon|midday|midnight)\b/g, 'time'],
  [/\b(today|tomorrow|tonight|next \w+)\b/g, 'date'],
  [/\b(\d{1,2}(st|nd|rd|th)|last day)\b/g, 'day of the month'],
  [/\b(january|february|march|april|may|june|july|august|september|october|november|december)\b/g, 'month'],
];

/** `"every" (repetition), "monday" (day)`, or `nothing` when no piece was recognized. */
export function describeUnderstood(text: string): string {
  const found: Array<{ at: number; words: string; label: string }> = [];
  for (const [pattern, label] of RECOGNIZED) {
    for (const match of text.matchAll(pattern)) found.push({ at: match.index, words: match[0], label });
  }
  if (found.length === 0) return 'nothing';
  return found
    .sort((a, b) => a.at - b.at)
    .map((piece) => `"${piece.words}" (${piece.label})`)
    .join(', ');
}

/** The 400's message: the phrase, what went wrong, what was understood, three that work. */
export function refusalMessage(text: string, refusal: PhraseRefusal, zoneNote = ''): string {
  const [first, second, third] = SUGGESTIONS[refusal.kind];
  return (
    `text: could not read ${JSON.stringify(text)}: ${refusal.reason}; understood ${describeUnderstood(text.toLowerCase())}${zoneNote}. ` +
    `Phrasings that work: "${first}", "${second}" or "${third}"`
  );
}
