import { io, Socket } from 'socket.io-client';

export interface ReceivedEvent {
  name: string;
  payload: Record<string, unknown>;
  receivedAt: number;
}

const NAMES = ['schedule_update', 'schedule_removed', 'task_started', 'task_finished', 'task_error'];

/** A real socket.io-client connected to the service, recording every lifecycle event and every batch. */
export class EventClient {
  readonly events: ReceivedEvent[] = [];
  /** `events_batch` messages (for a client that subscribed with `{batch: true}`). */
  readonly batches: Array<{
    events: Array<{ name: string; payload: Record<string, unknown> }>;
    receivedAt: number;
  }> = [];
  readonly socket: Socket;

  /** `headers`: more handshake headers (a foreign `Origin` or `Host`, `Authorization`). */
  constructor(
    url: string,
    options: { apiKey?: string; header?: string; headers?: Record<string, string> } = {},
  ) {
    const extraHeaders = { ...options.headers, ...(options.header ? { 'x-api-key': options.header } : {}) };
    this.socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      auth: options.apiKey ? { apiKey: options.apiKey } : undefined,
      extraHeaders: Object.keys(extraHeaders).length > 0 ? extraHeaders : undefined,
    });
    for (const name of NAMES) {
      this.socket.on(name, (payload: Record<string, unknown>) =>
        this.events.push({ name, payload, receivedAt: Date.now() }),
      );
    }
    this.socket.on('events_batch', (events: Array<{ name: string; payload: Record<string, unknown> }>) =>
      this.batches.push({ events, receivedAt: Date.now() }),
    );
  }

  /** Every event received in batches, in order. */
  batched(taskId?: string): Array<{ name: string; payload: Record<string, unknown> }> {
    const all = this.batches.flatMap((batch) => batch.events);
    return taskId ? all.filter((event) => event.payload.taskId === taskId) : all;
  }

  /** Resolves on connect; rejects with the server's reason on connect_error. */
  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', (error) => reject(error));
    });
  }

  emitWithAck(
    name: string,
    body: unknown,
  ): Promise<{ ok: boolean; taskId?: string; batch?: boolean; error?: string }> {
    return this.socket.timeout(5_000).emitWithAck(name, body) as Promise<{
      ok: boolean;
      taskId?: string;
      batch?: boolean;
      error?: string;
    }>;
  }

  of(taskId: string): ReceivedEvent[] {
    return this.events.filter((event) => event.payload.taskId === taskId);
  }

  close(): void {
    this.socket.disconnect();
  }
}
