import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import { Pool } from 'pg';
import type { Server, ServerOptions } from 'socket.io';

/**
 * Socket.IO on the HTTP server, with the same CORS origins as the REST API. On a PostgreSQL
 * server, events travel between instances through it (@socket.io/postgres-adapter, NOTIFY), so
 * a client gets the events it asked for whichever instance fired them; the embedded database
 * means one instance, and the in-memory adapter.
 *
 * Nest closes it after every `beforeApplicationShutdown` hook, so after the runs drained at
 * shutdown have reported their ends: before the server disconnects its clients, the events
 * relayed meanwhile are sent to the other instances (their NOTIFYs awaited), and the clients'
 * own events are already written to their sockets (engine.io closes a socket once its write
 * buffer is sent).
 */
export class ScoutIoAdapter extends IoAdapter {
  private readonly log = new Logger(ScoutIoAdapter.name);
  private pool: Pool | null = null;
  /** The adapter's statements in flight (its relays' NOTIFYs), awaited before the pool ends. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    app: INestApplicationContext,
    private readonly corsOrigins: string[] | '*' | null,
    private readonly databaseUrl: string | undefined,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const cors = this.corsOrigins ? { origin: this.corsOrigins } : undefined;
    const server = super.createIOServer(port, { ...options, cors } as ServerOptions);
    if (this.databaseUrl) {
      this.pool = this.trackQueries(new Pool({ connectionString: this.databaseUrl, max: 3 }));
      this.pool.on('error', (error) => this.log.warn(`Socket.IO adapter connection: ${error.message}`));
      server.adapter(
        createAdapter(this.pool, {
          errorHandler: (error) => this.log.warn(`Socket.IO adapter: ${error.message}`),
        }),
      );
    }
    return server;
  }

  override async close(server: Server): Promise<void> {
    // The gateway relays once per turn of the event loop: let a relay queued by the last events go.
    await new Promise((resolve) => setImmediate(resolve));
    // A large batch goes as an attachment row, then its NOTIFY: a statement may follow another.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await super.close(server);
    await this.pool?.end().catch(() => undefined);
    this.pool = null;
  }

  private trackQueries(pool: Pool): Pool {
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    pool.query = ((...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        this.inFlight.add(result);
        const forget = () => this.inFlight.delete(result);
        result.then(forget, forget);
      }
      return result;
    }) as Pool['query'];
    return pool;
  }
}
