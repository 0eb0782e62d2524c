import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../test/support/test-database';

/**
 * A database of the benchmark's own, which it can also query directly: to seed schedules by SQL
 * and to read the recorded runs. PGlite admits one process at a time, so an embedded database is
 * opened here only while the service is stopped; a PostgreSQL server can be queried any time.
 */
export class BenchDatabase {
  private constructor(private readonly database: TestDatabase) {}

  static async create(kind: DatabaseKind): Promise<BenchDatabase> {
    return new BenchDatabase(await createTestDatabase(kind));
  }

  get kind(): DatabaseKind {
    return this.database.kind;
  }

  /** Environment variables that point the service at this database. */
  get env(): Record<string, string> {
    return this.database.env;
  }

  /** Runs `work` with a connection (for PGlite: the service must not be running). */
  async session<T>(work: (query: Query) => Promise<T>): Promise<T> {
    if (this.database.kind === 'pglite') {
      const db = await PGlite.create(resolve(this.database.env.DATA_DIR, 'pgdata'));
      try {
        return await work(async <R>(sql: string, params: unknown[] = []) => {
          // Several statements without parameters go through exec (one round trip).
          if (params.length === 0 && sql.includes(';')) {
            const results = await db.exec(sql);
            return (results[results.length - 1]?.rows ?? []) as R[];
          }
          return (await db.query<R>(sql, params)).rows;
        });
      } finally {
        await db.close();
      }
    }
    const client = new Client({ connectionString: this.database.env.DATABASE_URL });
    await client.connect();
    try {
      return await work(async <R>(sql: string, params: unknown[] = []) => {
        const result = await client.query(sql, params);
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return last.rows as R[];
      });
    } finally {
      await client.end();
    }
  }

  drop(): Promise<void> {
    return this.database.drop();
  }
}

export type Query = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;
