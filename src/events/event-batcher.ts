import {
  type BatchedEvent,
  EVENTS_BATCH,
  EVENTS_BATCH_INTERVAL_MS,
  type EventsBatch,
} from './event-payloads';

/** What the batcher needs of a Socket.IO socket. */
export interface BatchSocket {
  readonly id: string;
  emit(event: typeof EVENTS_BATCH, batch: EventsBatch): unknown;
}

interface BatchClient {
  socket: BatchSocket;
  /** Whether the client asked for this task's events (its subscription, read when each event arrives). */
  wants: (taskId: string) => boolean;
  pending: BatchedEvent[];
  timer: NodeJS.Timeout | null;
  lastSentMs: number;
}

/**
 * The opt-in batched stream: for each client that subscribed with `{batch: true}`, collects the
 * events it asked for and sends them as one `events_batch` message, at most one every
 * EVENTS_BATCH_INTERVAL_MS. A dashboard at 1,000 fires/s then decodes ten messages a second
 * instead of two thousand. The first event after a quiet spell goes out at once (on the next
 * timer turn, with whatever else arrived in the same turn); later ones wait for the interval.
 */
export class EventBatcher {
  private readonly clients = new Map<string, BatchClient>();

  constructor(private readonly intervalMs = EVENTS_BATCH_INTERVAL_MS) {}

  get size(): number {
    return this.clients.size;
  }

  has(socketId: string): boolean {
    return this.clients.has(socketId);
  }

  /** From now on the socket receives batches (a socket added twice keeps its pending events). */
  add(socket: BatchSocket, wants: (taskId: string) => boolean): void {
    const client = this.clients.get(socket.id);
    if (client) client.wants = wants;
    else this.clients.set(socket.id, { socket, wants, pending: [], timer: null, lastSentMs: -Infinity });
  }

  /**
   * Stops batching for the socket. With `flush`, what it has pending is sent first (a client going
   * back to the named events, or a server closing: the socket still writes during `disconnecting`);
   * without, it is dropped (the client is gone).
   */
  remove(socketId: string, flush: boolean): void {
    const client = this.clients.get(socketId);
    if (!client) return;
    if (flush) this.send(client);
    else if (client.timer) clearTimeout(client.timer);
    this.clients.delete(socketId);
  }

  /** Queues each event for the batched clients that asked for its task. */
  push(events: readonly BatchedEvent[]): void {
    for (const client of this.clients.values()) {
      const before = client.pending.length;
      for (const event of events) if (client.wants(event.payload.taskId)) client.pending.push(event);
      if (client.pending.length > before && !client.timer) {
        const wait = Math.max(0, client.lastSentMs + this.intervalMs - Date.now());
        client.timer = setTimeout(() => this.send(client), wait);
      }
    }
  }

  private send(client: BatchClient): void {
    if (client.timer) clearTimeout(client.timer);
    client.timer = null;
    if (client.pending.length === 0) return;
    const batch = client.pending;
    client.pending = [];
    client.lastSentMs = Date.now();
    client.socket.emit(EVENTS_BATCH, batch);
  }
}
