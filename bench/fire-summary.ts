import { percentile } from './bench-args';

/** What one fire-accuracy run measured (lateness in ms; CPU % of one core; peak RSS in MB). */
export interface FireSummary {
  expected: number;
  started: number;
  missed: number;
  duplicates: number;
  p50: number;
  p99: number;
  max: number;
}

/** Summarizes fires keyed by (job, instant): a key seen twice is a duplicate, an expected one never seen a miss. */
export function summarizeFires(
  fires: Array<{ key: string; latenessMs: number }>,
  expected: number,
): FireSummary {
  const keys = new Set<string>();
  let duplicates = 0;
  for (const fire of fires) {
    if (keys.has(fire.key)) duplicates++;
    keys.add(fire.key);
  }
  const lateness = fires.map((fire) => fire.latenessMs).sort((a, b) => a - b);
  return {
    expected,
    started: fires.length,
    missed: expected - keys.size,
    duplicates,
    p50: percentile(lateness, 50) ?? NaN,
    p99: percentile(lateness, 99) ?? NaN,
    max: lateness[lateness.length - 1] ?? NaN,
  };
}
