import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import { Pool, PoolClient } from 'pg';
import type { Server, ServerOptions } from 'socket.io';
import { DatabaseState } from '../persistence/database-state.service';

/**
 * A pool whose checked-out clients cannot crash the process. @socket.io/postgres-adapter (0.5)
 * keeps one client out of the pool for its LISTEN and adds no 'error' listener to it: a database
 * restart then ended the process (`Unhandled 'error' event`). Here every client handed out gets
 * one, which hands the dead client back to the pool with the error (so the pool drops it rather
 * than count it as in use forever); the adapter hears of the connection's 'end' and re-listens on
 * a new client on its own (after 1–3 s, again until the database answers).
 */
function guardedPool(url: string, onError: (error: Error) => void): Pool {
  const pool = new Pool({ connectionString: url, max: 3 });
  pool.on('error', onError);
  const connect = pool.connect.bind(pool) as () => Promise<PoolClient>;
  const guard = (client: PoolClient): PoolClient => {
    const release = client.release.bind(client);
    let released = false;
    const onClientError = (error: Error) => {
      onError(error);
      client.release(error);
    };
    // Released once, whoever calls first (pg-pool throws on a second release); back in the pool
    // the client is the pool's to watch again.
    client.release = (error?: Error | boolean) => {
      if (released) return;
      released = true;
      client.removeListener('error', onClientError);
      release(error);
    };
    client.on('error', onClientError);
    return client;
  };
  pool.connect = ((callback?: (error: Error | undefined, client?: PoolClient, done?: () => void) => void) => {
    if (!callback) return connect().then(guard);
    connect().then(
      (client) => {
        const guarded = guard(client);
        callback(undefined, guarded, () => guarded.release());
      },
      (error: Error) => callback(error),
    );
    return undefined;
  }) as Pool['connect'];
  return pool;
}

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
    private readonly app: INestApplicationContext,
    private readonly corsOrigins: string[] | '*' | null,
    private readonly databaseUrl: string | undefined,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const cors = this.corsOrigins ? { origin: this.corsOrigins } : undefined;
    const server = super.createIOServer(port, { ...options, cors } as ServerOptions);
    if (this.databaseUrl) {
      const database = this.databaseState();
      // Connection errors are an outage, logged once by DatabaseState; anything else is logged here.
      const onError = (error: Error) => {
        if (!database?.report(error)) this.log.warn(`Socket.IO adapter: ${error.message}`);
      };
      this.pool = this.trackQueries(guardedPool(this.databaseUrl, onError));
      server.adapter(createAdapter(this.pool, { errorHandler: onError }));
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

  private databaseState(): DatabaseState | null {
    try {
      return this.app.get(DatabaseState, { strict: false });
    } catch {
      return null;
    }
  }
}
