/**
 * Times on the hot queries travel as epoch milliseconds: pg parses a float8 far faster than
 * timestamptz text (postgres-date's regex), and the planner reads thousands of rows a second.
 */
export const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** The other way: epoch milliseconds sent as numbers (no `toISOString` per value) back to timestamptz. */
export const fromEpochMs = (ms: string) => `to_timestamp(${ms} / 1000)`;

/** A date as the epoch milliseconds `fromEpochMs` reads. */
export const msOf = (date: Date | null): number | null => (date === null ? null : date.getTime());

export const dateOfMs = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
