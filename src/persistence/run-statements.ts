import type { DataSource } from 'typeorm';

/** Completes a `WITH started AS (… RETURNING schedule_id, started_at)`: moves `schedule.last_run_at`. */
export const TOUCH_LAST_RUN = `UPDATE schedule s SET last_run_at = GREATEST(s.last_run_at, x.at)
  FROM (SELECT schedule_id, max(started_at) AS at FROM started
         WHERE schedule_id IS NOT NULL AND started_at IS NOT NULL GROUP BY schedule_id) x
 WHERE s.id = x.schedule_id`;

/**
 * Rows of a `… RETURNING` statement. TypeORM's plain `query()` answers UPDATE with
 * `[rows, affected]` but INSERT with `rows`; the structured result is the same for both.
 */
export async function returningRows<T>(
  dataSource: DataSource,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const result = (await runner.query(sql, parameters, true)) as { records: T[] };
    return result.records;
  } finally {
    await runner.release();
  }
}
