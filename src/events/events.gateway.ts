import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { RequestAccess } from '../common/request-access';
import { ClusterPeers } from './cluster-peers';
import { corkWebSocketSends } from './corked-websocket';
import { EventBatcher } from './event-batcher';
import { SchedulerEventEmitter } from './scheduler-event.emitter';
import type { BatchedEvent, SchedulerEventMap, SchedulerEventName, SubscriptionAck } from './event-payloads';
import { socketAccess } from './socket-access';

/** Clients that never subscribed are in this room and receive every event. */
const ALL_EVENTS_ROOM = 'scout:all';
const taskRoom = (taskId: string) => `scout:task:${taskId}`;
/** Clients that subscribed with `{batch: true}`: the named events skip them, the batcher serves them. */
const BATCH_ROOM = 'scout:batch';
/** Instances pass each other their events in batches under this name (server-side only). */
const RELAY_EVENT = 'scout:relay';
type OutboxEntry = [SchedulerEventName, SchedulerEventMap[SchedulerEventName]];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBSCRIBE_EXPECTS = 'subscribe expects {taskId: "<task UUID>"}, {batch: true|false}, or both';

/**
 * Relays the scheduler's lifecycle events to Socket.IO clients (default namespace), with their
 * documented names and payloads. A client gets every event until it sends
 * `subscribe {taskId}`; from then on only the events of the tasks it subscribed to. A client
 * that sends `subscribe {batch: true}` receives the same events as `events_batch` messages
 * (`EventBatcher`) instead, until it sends `{batch: false}`.
 * A handshake is checked by middleware (`socketAccess`): with API keys it must carry one; without,
 * it must be loopback (peer, Host, Origin). A refused client gets `connect_error`.
 * It relays until the application has shut down: the runs drained at shutdown report their
 * ends after Nest's `onModuleDestroy`, and the Socket.IO server closes only after that.
 */
@WebSocketGateway()
export class EventsGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown
{
  private readonly logger = new Logger(EventsGateway.name);
  private unsubscribe: (() => void) | null = null;
  private connected = 0;
  /** Events for this instance's clients, delivered when the current job of the event loop ends. */
  private local: OutboxEntry[] = [];
  /** Events for the other instances, sent as one batch per turn of the event loop. */
  private outbox: OutboxEntry[] = [];
  private relaying: NodeJS.Immediate | null = null;
  /** Until the adapter says otherwise (the in-memory one refuses server-side emits). */
  private clustered = true;
  private readonly batcher = new EventBatcher();

  @WebSocketServer()
  private readonly server: Server;

  constructor(
    private readonly events: SchedulerEventEmitter,
    @Inject(RequestAccess) private readonly access: RequestAccess,
    private readonly peers: ClusterPeers,
  ) {}

  get connectedClients(): number {
    return this.connected;
  }

  afterInit(server: Server): void {
    server.use(socketAccess(this.access));
    this.unsubscribe = this.events.subscribe((name, payload) => this.relay(name, payload));
    server.sockets.on(RELAY_EVENT, (events: OutboxEntry[]) => this.deliver(events));
  }

  handleConnection(socket: Socket): void {
    this.connected++;
    corkWebSocketSends(socket);
    void socket.join(ALL_EVENTS_ROOM);
    // While the socket can still write: a server closing sends the batch it has pending.
    socket.on('disconnecting', () => this.batcher.remove(socket.id, true));
  }

  handleDisconnect(): void {
    this.connected--;
  }

  /** After the Socket.IO server closed (ScoutIoAdapter flushes the last relays before it closes). */
  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    const subscription = this.subscriptionOf(body);
    if (!subscription) return { ok: false, error: SUBSCRIBE_EXPECTS };
    const { taskId, batch } = subscription;
    if (taskId) {
      await socket.leave(ALL_EVENTS_ROOM);
      await socket.join(taskRoom(taskId));
    }
    if (batch === true) {
      await socket.join(BATCH_ROOM);
      // The same filter as the named events': all events until the client names a task.
      this.batcher.add(socket, (id) => socket.rooms.has(ALL_EVENTS_ROOM) || socket.rooms.has(taskRoom(id)));
    } else if (batch === false) {
      // What is pending goes out first: no event is lost or reordered by the switch.
      this.batcher.remove(socket.id, true);
      await socket.leave(BATCH_ROOM);
    }
    return { ok: true, ...(taskId ? { taskId } : {}), batch: this.batcher.has(socket.id) };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribeTask(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<SubscriptionAck> {
    const taskId = this.taskIdOf(body);
    if (!taskId) return { ok: false, error: 'unsubscribe expects {taskId: "<task UUID>"}' };
    await socket.leave(taskRoom(taskId));
    return { ok: true, taskId };
  }

  /**
   * Delivered to this instance's clients once the current job is done (a group's
   * `task_started` go out together, after its last handler started and before the group's
   * completions are processed), and relayed to the other instances once per turn of the event loop.
   */
  private relay<K extends SchedulerEventName>(name: K, payload: SchedulerEventMap[K]): void {
    if (this.connected > 0) {
      if (this.local.length === 0) void Promise.resolve().then(() => this.deliverLocal());
      this.local.push([name, payload]);
    }
    // Alone on the database (as the heartbeat last counted; relay until it has), this instance
    // relays nothing: nobody else could deliver its events.
    if (!this.clustered || this.peers.otherInstances === 0) return;
    this.outbox.push([name, payload]);
    this.relaying ??= setImmediate(() => this.relayToPeers());
  }

  private deliverLocal(): void {
    const events = this.local;
    this.local = [];
    try {
      this.deliver(events);
    } catch (error) {
      // In a promise job, a throw would be an unhandled rejection: the process would end, not the batch.
      this.logger.error(`Could not deliver ${events.length} events: ${(error as Error).message}`);
    }
  }

  /** The other instances get the batch as one message through the adapter (one NOTIFY per batch). */
  private relayToPeers(): void {
    this.relaying = null;
    const events = this.outbox;
    this.outbox = [];
    if (!this.server) return;
    try {
      this.server.serverSideEmit(RELAY_EVENT, events);
    } catch {
      // The in-memory adapter: a single instance, nobody to relay to.
      this.clustered = false;
    }
  }

  private deliver(events: OutboxEntry[]): void {
    if (this.connected === 0 || !this.server) return;
    const batched = this.batcher.size > 0;
    const rooms = this.server.sockets.adapter.rooms;
    const everyone = batched
      ? this.server.local.to(ALL_EVENTS_ROOM).except(BATCH_ROOM)
      : this.server.local.to(ALL_EVENTS_ROOM);
    for (const [name, payload] of events) {
      // One emit to the union of both rooms: each socket gets the event once. Most tasks have no
      // subscriber: their events go to the one operator made above, not three new ones each.
      const room = taskRoom(payload.taskId);
      (rooms.has(room) ? everyone.to(room) : everyone).emit(name, payload);
    }
    if (batched) this.batcher.push(events.map(([name, payload]) => ({ name, payload }) as BatchedEvent));
  }

  /** `{taskId?, batch?}` with at least one of them, each of its type; null for anything else. */
  private subscriptionOf(body: unknown): { taskId: string | null; batch: boolean | undefined } | null {
    if (typeof body !== 'object' || body === null) return null;
    const { taskId, batch } = body as { taskId?: unknown; batch?: unknown };
    if (batch !== undefined && typeof batch !== 'boolean') return null;
    if (taskId === undefined) return batch === undefined ? null : { taskId: null, batch };
    const valid = this.taskIdOf(body);
    return valid ? { taskId: valid, batch } : null;
  }

  private taskIdOf(body: unknown): string | null {
    const taskId = (body as { taskId?: unknown } | null)?.taskId;
    return typeof taskId === 'string' && UUID.test(taskId) ? taskId.toLowerCase() : null;
  }
}
