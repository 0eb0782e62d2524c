/**
 * Times on the hot queries travel as epoch milliseconds: pg parses a float8 far faster than
 * timestamptz text (postgres-date's regex), and the planner reads thousands of rows a second.
 */
export const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

export const dateOfMs = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
