import { io, type Socket } from 'socket.io-client';
import type { SchedulerEventMap, SchedulerEventName } from '../events/event-payloads';

/** One lifecycle event with its name: what an `events_batch` message holds, in order. */
export type ScoutEvent = {
  [K in SchedulerEventName]: { name: K; payload: SchedulerEventMap[K] };
}[SchedulerEventName];

export interface EventStreamOptions {
  /**
   * Ask for `events_batch` messages (at most one per 100 ms). A service that does not offer them
   * answers the subscription without `batch: true`; the stream then takes the single events and
   * still hands `onBatch` listeners arrays, coalesced here every `batchIntervalMs`.
   */
  batch?: boolean;
  /** Only this task's events (including its `schedule_update` and `schedule_removed`). */
  taskId?: string;
  /** Coalescing for `onBatch` when the service sends single events; default 100 ms. */
  batchIntervalMs?: number;
}

/** How the stream ended up subscribed, once `ready` resolves. */
export interface StreamInfo {
  /** True when the service sends `events_batch` messages to this client. */
  batched: boolean;
}

interface SubscriptionAck {
  ok: boolean;
  taskId?: string;
  batch?: boolean;
  error?: string;
}

const EVENT_NAMES: readonly SchedulerEventName[] = [
  'schedule_update',
  'schedule_removed',
  'task_started',
  'task_finished',
  'task_error',
];
const ACK_TIMEOUT_MS = 5_000;

/**
 * A typed Socket.IO subscription to the service's five lifecycle events
 * (`docs/API.md`, Events): `on('task_started', (payload: TaskStartedEvent) => …)` for each event,
 * `onBatch(events => …)` for arrays of them. It reconnects by itself and subscribes again on each
 * connection; `ready` settles on the first connection (rejected with the server's reason, e.g. a
 * wrong API key).
 */
export class ScoutEventStream {
  readonly ready: Promise<StreamInfo>;
  private readonly socket: Socket;
  private readonly listeners = new Map<SchedulerEventName, Set<(payload: never) => void>>();
  private readonly batchListeners = new Set<(events: ScoutEvent[]) => void>();
  private readonly errorListeners = new Set<(error: Error) => void>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  private pending: ScoutEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private serverBatches = false;
  private closed = false;

  constructor(
    baseUrl: string,
    apiKey: string | undefined,
    private readonly options: EventStreamOptions,
  ) {
    // WebSocket only: no long-polling requests, and one frame per batch the service writes.
    this.socket = io(baseUrl, {
      transports: ['websocket'],
      auth: apiKey === undefined ? {} : { apiKey },
    });
    for (const name of EVENT_NAMES)
      this.socket.on(name, (payload: unknown) => this.single({ name, payload } as ScoutEvent));
    this.socket.on('events_batch', (events: ScoutEvent[]) => this.batchArrived(events));
    this.socket.on('disconnect', () => this.statusListeners.forEach((listener) => listener(false)));
    this.ready = new Promise<StreamInfo>((resolve, reject) => {
      let settled = false;
      this.socket.on('connect', () => {
        this.statusListeners.forEach((listener) => listener(true));
        this.subscribe().then(
          (info) => {
            if (!settled) resolve(info);
            settled = true;
          },
          (error: Error) => {
            if (!settled) reject(error);
            else this.errorListeners.forEach((listener) => listener(error));
            settled = true;
          },
        );
      });
      this.socket.on('connect_error', (error: Error) => {
        if (!settled) reject(error);
        else this.errorListeners.forEach((listener) => listener(error));
        settled = true;
      });
    });
    // A caller that only listens should not see an unhandled rejection for a refused handshake.
    this.ready.catch(() => undefined);
  }

  /** True while the socket is connected. */
  get connected(): boolean {
    return this.socket.connected;
  }

  /** True when the service sends this client `events_batch` messages. */
  get batched(): boolean {
    return this.serverBatches;
  }

  /** Calls `listener` with each event of that name; returns the function that stops it. */
  on<K extends SchedulerEventName>(name: K, listener: (payload: SchedulerEventMap[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls `listener` with the events in arrival order, several at a time (never an empty array). */
  onBatch(listener: (events: ScoutEvent[]) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /** Errors after `ready` settled: a refused reconnection, a refused subscription. */
  onError(listener: (error: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Called with true on each (re)connection and false on each loss of the connection. */
  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.pending = [];
    this.socket.disconnect();
  }

  /** Subscribes as asked; without `batch` or `taskId` there is nothing to ask (every event comes). */
  private async subscribe(): Promise<StreamInfo> {
    const { batch, taskId } = this.options;
    if (!batch && taskId === undefined) return { batched: false };
    const body = batch ? { batch: true, ...(taskId === undefined ? {} : { taskId }) } : { taskId };
    const ack = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('subscribe', body)) as SubscriptionAck;
    this.serverBatches = ack.ok && ack.batch === true;
    // A service without batches refuses `{batch: true}` alone; its single events still come to everyone.
    if (!ack.ok && taskId !== undefined) throw new Error(ack.error ?? 'subscribe was refused');
    return { batched: this.serverBatches };
  }

  private single(event: ScoutEvent): void {
    this.dispatch(event);
    if (this.batchListeners.size === 0 || this.closed) return;
    this.pending.push(event);
    this.flushTimer ??= setTimeout(() => this.flush(), this.options.batchIntervalMs ?? 100);
  }

  private batchArrived(events: ScoutEvent[]): void {
    if (!Array.isArray(events) || events.length === 0) return;
    for (const event of events) this.dispatch(event);
    this.batchListeners.forEach((listener) => listener(events));
  }

  private flush(): void {
    this.flushTimer = null;
    const events = this.pending;
    this.pending = [];
    if (events.length > 0) this.batchListeners.forEach((listener) => listener(events));
  }

  private dispatch(event: ScoutEvent): void {
    const set = this.listeners.get(event.name);
    if (set) for (const listener of set) (listener as (payload: unknown) => void)(event.payload);
  }
}
