import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** A webhook receiver on loopback that records every call; `respond` decides each answer. */
export class WebhookServer {
  readonly calls: ReceivedCall[] = [];
  respond: (call: ReceivedCall) => {
    status: number;
    body?: string;
    delayMs?: number;
    headers?: Record<string, string>;
  } = () => ({
    status: 200,
    body: '{"ok":true}',
  });
  private server!: Server;
  url = '';

  /** `host`: any loopback address (Linux routes all of 127/8 to lo), 127.0.0.1 by default. */
  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const call: ReceivedCall = {
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        this.calls.push(call);
        const answer = this.respond(call);
        setTimeout(() => {
          if (response.destroyed) return;
          response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          response.end(answer.body ?? '');
        }, answer.delayMs ?? 0).unref();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  callsTo(path: string): ReceivedCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

type Nothing = undefined | null | false;

/** Polls `check` until it returns a value (not undefined/null/false) or the timeout passes. */
export async function waitFor<T>(
  check: () => T | Nothing | Promise<T | Nothing>,
  timeoutMs = 10_000,
  label = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
