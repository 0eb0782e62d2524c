import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { ScoutClient, type ScoutEvent, type TaskStartedEvent } from '../src/client';
import { waitFor } from './support/webhook-server';

const TASK = '4f0c6a2e-5b1d-4c3e-9f7a-2b8c1d0e9f11';
const started = (runId: string): TaskStartedEvent => ({
  taskId: TASK,
  runId,
  scheduledFor: '2027-01-01T00:00:00.000Z',
  startedAt: '2027-01-01T00:00:00.001Z',
});

/**
 * The client's side of the batched stream (`subscribe {batch: true, taskId?}` → `events_batch`
 * arrays of `{name, payload}`), against a Socket.IO server on loopback that speaks exactly that
 * protocol, and the fallback when the acknowledgement lacks `batch: true`.
 */
describe('ScoutEventStream and the batched stream', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  /** What the fake service does with a subscription: its acknowledgement. */
  let answer: (body: Record<string, unknown>) => Record<string, unknown>;
  const subscriptions: Array<{ body: Record<string, unknown>; auth: unknown }> = [];
  let sockets: Socket[] = [];

  beforeAll(async () => {
    http = createServer();
    io = new Server(http);
    io.on('connection', (socket) => {
      sockets.push(socket);
      socket.on('subscribe', (body: Record<string, unknown>, ack: (reply: unknown) => void) => {
        subscriptions.push({ body, auth: socket.handshake.auth });
        ack(answer(body));
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    subscriptions.length = 0;
    sockets = [];
  });

  afterAll(async () => {
    await io.close();
  });

  it('asks for batches with the key, and hands each events_batch to onBatch and the typed listeners', async () => {
    answer = (body) => ({ ok: true, batch: true, taskId: body.taskId });
    const stream = new ScoutClient({ baseUrl: url, apiKey: 'k3y' }).connectEvents({
      batch: true,
      taskId: TASK,
    });
    try {
      await expect(stream.ready).resolves.toEqual({ batched: true });
      expect(stream.batched).toBe(true);
      expect(subscriptions).toEqual([{ body: { batch: true, taskId: TASK }, auth: { apiKey: 'k3y' } }]);
      const batches: ScoutEvent[][] = [];
      const starts: TaskStartedEvent[] = [];
      stream.onBatch((events) => batches.push(events));
      stream.on('task_started', (payload) => starts.push(payload));
      const batch: ScoutEvent[] = [
        { name: 'task_started', payload: started('r1') },
        { name: 'schedule_removed', payload: { taskId: TASK } },
        { name: 'task_started', payload: started('r2') },
      ];
      sockets[0].emit('events_batch', batch);
      sockets[0].emit('events_batch', []);
      await waitFor(() => starts.length === 2, 5_000, 'the batch');
      expect(starts.map((event) => event.runId)).toEqual(['r1', 'r2']);
      expect(batches).toEqual([batch]);
    } finally {
      stream.close();
    }
  });

  it('falls back to single events, coalesced for onBatch, when the ack lacks batch: true', async () => {
    // As a service without batches answers `{batch: true}` alone.
    answer = () => ({ ok: false, error: 'subscribe expects {taskId: "<task UUID>"}' });
    const stream = new ScoutClient({ baseUrl: url }).connectEvents({ batch: true, batchIntervalMs: 50 });
    try {
      await expect(stream.ready).resolves.toEqual({ batched: false });
      expect(subscriptions[0].body).toEqual({ batch: true });
      const batches: ScoutEvent[][] = [];
      const starts: string[] = [];
      stream.onBatch((events) => batches.push(events));
      stream.on('task_started', (payload) => starts.push(payload.runId));
      for (const runId of ['a', 'b', 'c']) sockets[0].emit('task_started', started(runId));
      await waitFor(() => batches.length > 0, 5_000, 'a coalesced batch');
      expect(starts).toEqual(['a', 'b', 'c']);
      expect(batches.flat().map((event) => event.name === 'task_started' && event.payload.runId)).toEqual([
        'a',
        'b',
        'c',
      ]);
    } finally {
      stream.close();
    }
  });

  it('refuses a subscription to one task that the service refused', async () => {
    answer = () => ({ ok: false, error: 'subscribe expects {taskId: "<task UUID>"}' });
    const stream = new ScoutClient({ baseUrl: url }).connectEvents({ taskId: 'not-a-uuid' });
    try {
      await expect(stream.ready).rejects.toThrow('subscribe expects {taskId: "<task UUID>"}');
      expect(subscriptions[0].body).toEqual({ taskId: 'not-a-uuid' });
    } finally {
      stream.close();
    }
  });
});
