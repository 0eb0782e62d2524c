import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseEndpoint } from './database-endpoint';
import { DatabaseState } from './database-state.service';
import { SCOUT_DATA_SOURCE } from './scout-data-source';

/** How often the tables' statistics are looked at. */
export const MAINTENANCE_INTERVAL_MS = 10_000;
/** The tables rewritten on every fire: a schedule's row per advance, a run's row per step. */
const HOT_TABLES = ['schedule', 'task_run'];
/** Any fixed number: one instance at a time vacuums. */
const MAINTENANCE_LOCK = 7_311_843;

interface TableStats {
  relname: string;
  live: number;
  dead: number;
  modified: number;
}

/**
 * Autovacuum's rule — a base threshold plus a share of the live rows (20 % for dead rows, 10 % for
 * changes since the last ANALYZE) — with a base of 1,000 rather than 50: each pass costs a statement.
 */
export function maintenanceOf(stats: TableStats): 'vacuum' | 'analyze' | null {
  if (stats.dead > 1_000 + 0.2 * stats.live) return 'vacuum';
  if (stats.modified > 1_000 + 0.1 * stats.live) return 'analyze';
  return null;
}

/**
 * Vacuums and analyzes the scheduler's busy tables where nobody else does: the embedded database
 * has no autovacuum worker, and a server may have it switched off. Without it every advance and
 * status change leaves a dead row, the tables swell, and the planner's queries slow down by the
 * minute until fires are missed (seen at 1,000 fires/s: missed fires after 3 minutes).
 */
@Injectable()
export class TableMaintenance implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TableMaintenance.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly endpoint: DatabaseEndpoint,
    @Optional() private readonly database?: DatabaseState,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [{ autovacuum }] = await this.dataSource.query<Array<{ autovacuum: string }>>(
      `SELECT current_setting('autovacuum') AS autovacuum`,
    );
    if (this.endpoint.kind !== 'embedded' && autovacuum === 'on') return;
    this.timer = setInterval(() => void this.maintain(), MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Vacuums or analyzes the busy tables that need it (resolves when done). */
  maintain(): Promise<void> {
    if (this.database && !this.database.reachable) return Promise.resolve();
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const shared = this.endpoint.kind !== 'embedded';
    try {
      if (shared) {
        const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
          MAINTENANCE_LOCK,
        ])) as Array<{ locked: boolean }>;
        if (!locked) return;
      }
      try {
        const tables = (await runner.query(
          `SELECT relname, n_live_tup::float8 AS live, n_dead_tup::float8 AS dead,
                  n_mod_since_analyze::float8 AS modified
             FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1)`,
          [HOT_TABLES],
        )) as TableStats[];
        for (const table of tables) {
          const work = maintenanceOf(table);
          // Table names come from HOT_TABLES, never from input.
          if (work === 'vacuum') await runner.query(`VACUUM (ANALYZE) ${table.relname}`);
          else if (work === 'analyze') await runner.query(`ANALYZE ${table.relname}`);
        }
      } finally {
        if (shared) await runner.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_LOCK]);
      }
    } catch (error) {
      if (this.database?.report(error)) return;
      this.logger.warn(`Table maintenance skipped: ${(error as Error).message}`);
    } finally {
      await runner.release();
    }
  }
}
