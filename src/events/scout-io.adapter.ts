import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';

/** Socket.IO on the HTTP server, with the same CORS origins as the REST API. */
export class ScoutIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly corsOrigins: string[] | '*' | null,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const cors = this.corsOrigins ? { origin: this.corsOrigins } : undefined;
    return super.createIOServer(port, { ...options, cors } as ServerOptions);
  }
}
