/** Display helpers: times in the browser's zone, durations in the largest sensible unit. */

// Formatters are made once: `toLocale…String` builds a new one per call, which at a few renders a
// second of many rows was the page's largest cost.
const TIME = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export function clockTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return `${TIME.format(date)}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

export function dateTime(iso: string | null): string {
  return iso ? DATE_TIME.format(new Date(iso)) : '—';
}

export function milliseconds(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) < 1_000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return duration(ms);
}

/** A countdown: `in 4 s`, `in 3 min 20 s`, `in 2 h 5 min`, `in 3 d 4 h`; `due` once passed. */
export function countdown(targetIso: string | null, now: number): string {
  if (!targetIso) return '—';
  const ms = Date.parse(targetIso) - now;
  if (ms <= 0) return 'due';
  return `in ${duration(ms)}`;
}

function duration(ms: number): string {
  const seconds = Math.ceil(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Lateness of a run: started − scheduled, when it started. */
export function lateness(run: { scheduledFor: string; startedAt: string | null }): number | null {
  return run.startedAt ? Date.parse(run.startedAt) - Date.parse(run.scheduledFor) : null;
}

const zoned = new Map<string, Intl.DateTimeFormat>();

/** An instant as a wall time in `timeZone` (the schedule's), or in the browser's zone if that is not a zone. */
export function zonedDateTime(iso: string, timeZone: string | undefined): string {
  const key = timeZone ?? '';
  let format = zoned.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions = {
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
      timeZoneName: 'short',
    };
    try {
      format = new Intl.DateTimeFormat(undefined, { ...options, timeZone: timeZone || undefined });
    } catch {
      format = new Intl.DateTimeFormat(undefined, options);
    }
    zoned.set(key, format);
  }
  return format.format(new Date(iso));
}
