import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy between the service and PostgreSQL that can fail like a real outage: `cut()`
 * drops every open connection (as a server restart does), `refuse()` closes new connections at
 * once until `heal()`. Outages are tested through it, never by stopping the shared server.
 * Loopback only: it listens on 127.0.0.1 and forwards to a loopback target.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly open = new Set<Socket>();
  private refusing = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A proxy in front of the server of a postgres:// URL; `url()` rewrites such URLs onto it. */
  static forUrl(databaseUrl: string): FaultProxy {
    const url = new URL(databaseUrl);
    return new FaultProxy(url.hostname, Number(url.port || 5432));
  }

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  get connections(): number {
    return this.open.size;
  }

  /** Drops every connection now (both directions), like a database restart. */
  cut(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  /** Cuts every connection and refuses new ones until `heal()`: the database is gone. */
  down(): void {
    this.refusing = true;
    this.cut();
  }

  heal(): void {
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    this.open.add(client);
    this.open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.open.delete(client);
      this.open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
