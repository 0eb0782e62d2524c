import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataDirLock } from './data-dir-lock';
import { createEmbeddedDatabase } from './embedded-database-creation';

/**
 * PostgreSQL settings on top of PGlite's own start parameters. The database's memory is this
 * process's WASM heap, which never shrinks: a page it touches once stays resident.
 */
const SETTINGS = {
  // PGlite's default 128 MB page cache ends up resident; the scheduler's hot rows (due schedules,
  // recent runs) fit in a fraction, and a page not cached is one read from the OS's file cache.
  shared_buffers: '16MB',
  // VACUUM's memory for dead rows: bounded, so that one large vacuum cannot grow the heap for good.
  maintenance_work_mem: '16MB',
};
const START_PARAMS = [
  ...PGlite.defaultStartParams,
  ...Object.entries(SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
];

/**
 * PostgreSQL without a server: PGlite (Postgres compiled to WASM) persisted under a directory,
 * served on a loopback port by pglite-socket so that the very same `pg` driver, TypeORM
 * entities, migrations and SQL run against it as against a real server. PGlite is a
 * single-connection database, so the pool in front of it has one connection. The directory is
 * locked first: one process per data folder. A new folder's database is created by a process of
 * its own, then opened here with the settings below.
 */
export class EmbeddedPostgres {
  private static readonly logger = new Logger('EmbeddedPostgres');

  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lock: DataDirLock,
    readonly url: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const directory = resolve(dataDir);
    // Before PGlite opens anything: a second process must not touch the files at all.
    const lock = DataDirLock.acquire(directory);
    let db: PGlite | null = null;
    try {
      const pgdata = resolve(directory, 'pgdata');
      await createEmbeddedDatabase(pgdata);
      db = await PGlite.create(pgdata, { startParams: START_PARAMS });
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
      // A connection's failure is reported as an event; without a listener nobody would hear of
      // it, and the pool reconnects on its own. It must never take the process down.
      server.addEventListener('error', (event) => {
        const detail = (event as CustomEvent<unknown>).detail;
        EmbeddedPostgres.logger.warn(
          `Embedded database connection error: ${detail instanceof Error ? detail.message : String(detail)}`,
        );
      });
      await server.start();
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      return new EmbeddedPostgres(db, server, lock, url);
    } catch (error) {
      await db?.close().catch(() => undefined);
      lock.release();
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      await this.server.stop();
      await this.db.close();
    } finally {
      this.lock.release();
    }
  }
}
