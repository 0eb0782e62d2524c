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
 */
export class ScoutIoAdapter extends IoAdapter {
  private readonly log = new Logger(ScoutIoAdapter.name);
  private pool: Pool | null = null;

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
      this.pool = new Pool({ connectionString: this.databaseUrl, max: 3 });
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
    await super.close(server);
    await this.pool?.end().catch(() => undefined);
    this.pool = null;
  }
}
