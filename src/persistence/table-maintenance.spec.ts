import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { DatabaseEndpoint } from './database-endpoint';
import { MAINTENANCE_INTERVAL_MS, maintenanceOf, TableMaintenance } from './table-maintenance.service';

describe('maintenanceOf', () => {
  const stats = (live: number, dead: number, modified: number) => ({ relname: 't', live, dead, modified });

  it('vacuums once dead rows pass 1000 + 20% of the live rows', () => {
    expect(maintenanceOf(stats(10_000, 3_000, 0))).toBeNull(); // exactly at the threshold
    expect(maintenanceOf(stats(10_000, 3_001, 0))).toBe('vacuum');
    expect(maintenanceOf(stats(0, 1_000, 0))).toBeNull();
    expect(maintenanceOf(stats(0, 1_001, 0))).toBe('vacuum');
  });

  it('analyzes once rows modified since the last analyze pass 1000 + 10% of the live rows', () => {
    expect(maintenanceOf(stats(10_000, 0, 2_000))).toBeNull(); // exactly at the threshold
    expect(maintenanceOf(stats(10_000, 0, 2_001))).toBe('analyze');
  });

  it('vacuum wins when both are due (VACUUM (ANALYZE) covers the statistics too)', () => {
    expect(maintenanceOf(stats(10_000, 3_001, 50_000))).toBe('vacuum');
  });

  it('leaves a quiet table alone', () => {
    expect(maintenanceOf(stats(10_000, 10, 10))).toBeNull();
  });
});

interface Call {
  sql: string;
  params?: unknown[];
}

/** A query runner answering by statement; `fail` makes the matching statement throw. */
class FakeRunner {
  readonly calls: Call[] = [];
  released = 0;
  locked = true;
  tables: Array<{ relname: string; live: number; dead: number; modified: number }> = [];
  fail: RegExp | null = null;

  query(sql: string, params?: unknown[]): Promise<unknown> {
    this.calls.push({ sql, params });
    if (this.fail?.test(sql)) return Promise.reject(new Error('connection reset'));
    if (sql.includes('pg_try_advisory_lock')) return Promise.resolve([{ locked: this.locked }]);
    if (sql.includes('pg_stat_user_tables')) return Promise.resolve(this.tables);
    return Promise.resolve([]);
  }

  release(): Promise<void> {
    this.released++;
    return Promise.resolve();
  }

  /** The statements run, as short labels. */
  get statements(): string[] {
    return this.calls.map(({ sql }) => {
      if (sql.includes('pg_try_advisory_lock')) return 'lock';
      if (sql.includes('pg_advisory_unlock')) return 'unlock';
      if (sql.includes('pg_stat_user_tables')) return 'stats';
      return sql;
    });
  }
}

describe('TableMaintenance', () => {
  let runner: FakeRunner;
  let autovacuum: string;
  let warn: ReturnType<typeof jest.spyOn>;

  const build = (kind: 'embedded' | 'postgres') => {
    const dataSource = {
      query: () => Promise.resolve([{ autovacuum }]),
      createQueryRunner: () => runner,
    } as unknown as DataSource;
    return new TableMaintenance(dataSource, { kind } as DatabaseEndpoint);
  };

  beforeEach(() => {
    runner = new FakeRunner();
    autovacuum = 'on';
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
    jest.useRealTimers();
  });

  describe('on a shared server', () => {
    it('does nothing else when another instance holds the maintenance lock', async () => {
      runner.locked = false;
      runner.tables = [{ relname: 'schedule', live: 0, dead: 50_000, modified: 0 }];
      await build('postgres').maintain();
      // No stats read, no vacuum, and no unlock of a lock it never took.
      expect(runner.statements).toEqual(['lock']);
      expect(runner.released).toBe(1);
    });

    it('with the lock: vacuums the bloated table, analyzes the modified one, then unlocks', async () => {
      runner.tables = [
        { relname: 'schedule', live: 1_000, dead: 5_000, modified: 5_000 },
        { relname: 'task_run', live: 1_000, dead: 0, modified: 5_000 },
      ];
      await build('postgres').maintain();
      expect(runner.statements).toEqual([
        'lock',
        'stats',
        'VACUUM (ANALYZE) schedule',
        'ANALYZE task_run',
        'unlock',
      ]);
      // The stats query is limited to the scheduler's busy tables, and unlock frees the lock taken.
      expect(runner.calls[1].params).toEqual([['schedule', 'task_run']]);
      expect(runner.calls[4].params).toEqual(runner.calls[0].params);
      expect(runner.released).toBe(1);
    });

    it('leaves quiet tables alone but still unlocks', async () => {
      runner.tables = [{ relname: 'schedule', live: 1_000, dead: 10, modified: 10 }];
      await build('postgres').maintain();
      expect(runner.statements).toEqual(['lock', 'stats', 'unlock']);
    });

    it('logs a failed statement instead of throwing, unlocks and releases the runner', async () => {
      runner.tables = [{ relname: 'schedule', live: 0, dead: 50_000, modified: 0 }];
      runner.fail = /^VACUUM/;
      await expect(build('postgres').maintain()).resolves.toBeUndefined();
      expect(runner.statements).toEqual(['lock', 'stats', 'VACUUM (ANALYZE) schedule', 'unlock']);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('connection reset'));
      expect(runner.released).toBe(1);
    });
  });

  it('embedded: no advisory lock (one process owns the database)', async () => {
    runner.tables = [{ relname: 'task_run', live: 0, dead: 50_000, modified: 0 }];
    await build('embedded').maintain();
    expect(runner.statements).toEqual(['stats', 'VACUUM (ANALYZE) task_run']);
    expect(runner.released).toBe(1);
  });

  it('runs one pass at a time: a call during a pass shares it', async () => {
    const maintenance = build('embedded');
    const first = maintenance.maintain();
    expect(maintenance.maintain()).toBe(first);
    await first;
    expect(runner.statements).toEqual(['stats']);
  });

  describe('onApplicationBootstrap', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    it('arms nothing on a server whose autovacuum is on', async () => {
      const maintenance = build('postgres');
      await maintenance.onApplicationBootstrap();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('arms a periodic pass on a server whose autovacuum is off', async () => {
      autovacuum = 'off';
      const maintenance = build('postgres');
      await maintenance.onApplicationBootstrap();
      expect(jest.getTimerCount()).toBe(1);
      await maintenance.onApplicationShutdown();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('arms a periodic pass on the embedded database, even if it reports autovacuum on', async () => {
      const maintenance = build('embedded');
      await maintenance.onApplicationBootstrap();
      expect(jest.getTimerCount()).toBe(1);
      // Each interval runs a pass.
      await jest.advanceTimersByTimeAsync(MAINTENANCE_INTERVAL_MS);
      expect(runner.statements).toEqual(['stats']);
      await jest.advanceTimersByTimeAsync(MAINTENANCE_INTERVAL_MS);
      expect(runner.statements).toEqual(['stats', 'stats']);
      // Shutdown stops it.
      await maintenance.onApplicationShutdown();
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
