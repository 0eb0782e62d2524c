import type { TaskRunView as RunView } from '../src/api/contract';
import { callApi } from './support/api-client';
import { EventClient } from './support/event-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { freePort, ServiceProcess } from './support/service-process';
import { waitFor, WebhookServer } from './support/webhook-server';

/** A client that also notes when the server dropped it. */
class WatchingClient extends EventClient {
  disconnectedAt: number | null = null;

  constructor(url: string) {
    super(url);
    this.socket.on('disconnect', () => (this.disconnectedAt ??= Date.now()));
  }
}

/**
 * Graceful shutdown over the built service: on SIGTERM/SIGINT it says at once what it does and
 * for how long, lets running runs finish within SCHEDULER_SHUTDOWN_GRACE_SECONDS, interrupts the
 * rest, and every event of that time reaches the connected clients (and, with PostgreSQL, the
 * clients of another instance) before the Socket.IO server closes.
 */
describe.each(DATABASE_KINDS)('graceful shutdown on %s', (kind) => {
  let database: TestDatabase;
  let webhook: WebhookServer;
  const started: ServiceProcess[] = [];
  const clients: EventClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    webhook.respond = (call) => ({
      status: 200,
      body: '{"ok":true}',
      delayMs: call.path === '/two-seconds' ? 2_000 : call.path === '/long' ? 30_000 : 0,
    });
  }, 60_000);

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(started.splice(0).map((service) => service.kill()));
  });

  afterAll(async () => {
    await webhook?.stop();
    await database?.drop();
  });

  async function startService(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = new ServiceProcess({ ...database.env, LOG_LEVEL: 'info', ...env }, await freePort());
    started.push(service);
    await service.start();
    return service;
  }

  async function connect(service: ServiceProcess): Promise<WatchingClient> {
    const client = new WatchingClient(service.url);
    clients.push(client);
    await client.connected();
    return client;
  }

  /** Runs a task calling `path` now and waits until its webhook call is in flight. */
  async function runInFlight(service: ServiceProcess, path: string): Promise<RunView> {
    const task = await callApi<{ id: string }>(service.url, 'POST', '/api/tasks', {
      name: `calls ${path}`,
      handler: 'http',
      payload: { url: `${webhook.url}${path}` },
    });
    const calls = webhook.callsTo(path).length;
    const run = await callApi<RunView>(service.url, 'POST', `/api/tasks/${task.id}/run`);
    await waitFor(() => webhook.callsTo(path).length > calls, 10_000, `the call to ${path}`);
    return run;
  }

  /** The run as stored, read through a fresh process on the same database. */
  async function storedRun(run: RunView): Promise<RunView> {
    const service = await startService();
    const { items } = await callApi<{ items: RunView[] }>(
      service.url,
      'GET',
      `/api/tasks/${run.taskId}/runs`,
    );
    return items.find((item) => item.id === run.id)!;
  }

  it('SIGTERM: a run that finishes within the grace is stored succeeded and its task_finished reaches every client before the disconnect', async () => {
    const service = await startService({ SCHEDULER_SHUTDOWN_GRACE_SECONDS: '10' });
    const client = await connect(service);
    // With PostgreSQL, a second instance's client hears of it too (relayed through the database).
    const peer = kind === 'postgres' ? await startService() : null;
    const peerClient = peer ? await connect(peer) : null;
    if (peer) {
      // Both instances know of each other (heartbeats every 2 s) before the run.
      await waitFor(
        async () =>
          (await callApi<Array<{ alive: boolean }>>(peer.url, 'GET', '/api/instances')).filter((i) => i.alive)
            .length === 2,
        10_000,
        'two live instances',
      );
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    }
    const run = await runInFlight(service, '/two-seconds');

    const signalledAt = Date.now();
    const exitCode = await service.kill('SIGTERM');
    const exitedAt = Date.now();

    expect(exitCode).toBe(0);
    expect(exitedAt - signalledAt).toBeLessThan(10_000);
    expect(service.output).toContain(
      'SIGTERM: stopping; running runs have 10 s to finish (SCHEDULER_SHUTDOWN_GRACE_SECONDS)',
    );
    expect(service.output).toContain('waiting for 1 running run(s): calls /two-seconds, 10 s left');
    const finished = client.of(run.taskId).find((event) => event.name === 'task_finished');
    expect(finished?.payload).toMatchObject({ runId: run.id, status: 'succeeded' });
    await waitFor(() => client.disconnectedAt !== null, 5_000, 'the disconnect');
    expect(finished!.receivedAt).toBeLessThanOrEqual(client.disconnectedAt!);
    if (peerClient) {
      await waitFor(
        () => peerClient.of(run.taskId).some((event) => event.name === 'task_finished'),
        5_000,
        "the peer's client to hear of it",
      );
      expect(peerClient.of(run.taskId).map((event) => event.name)).toEqual(['task_started', 'task_finished']);
    }

    expect(await storedRun(run)).toMatchObject({ status: 'succeeded', error: null });
  }, 90_000);

  it('SIGTERM: a run longer than the grace ends interrupted, with a task_error received before the disconnect', async () => {
    const service = await startService({ SCHEDULER_SHUTDOWN_GRACE_SECONDS: '1' });
    const client = await connect(service);
    const run = await runInFlight(service, '/long');

    const signalledAt = Date.now();
    expect(await service.kill('SIGTERM')).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(8_000);

    expect(service.output).toContain(
      'SIGTERM: stopping; running runs have 1 s to finish (SCHEDULER_SHUTDOWN_GRACE_SECONDS)',
    );
    const error = client.of(run.taskId).find((event) => event.name === 'task_error');
    expect(error?.payload).toMatchObject({
      runId: run.id,
      status: 'interrupted',
      error: expect.stringContaining('shut down'),
    });
    await waitFor(() => client.disconnectedAt !== null, 5_000, 'the disconnect');
    expect(error!.receivedAt).toBeLessThanOrEqual(client.disconnectedAt!);
    const stored = await storedRun(run);
    expect(stored).toMatchObject({ status: 'interrupted' });
    expect(stored.durationMs).toBeGreaterThanOrEqual(1_000);
  }, 90_000);

  it('a second Ctrl-C ends the wait at once: the run is interrupted and announced, and the process exits', async () => {
    const service = await startService({ SCHEDULER_SHUTDOWN_GRACE_SECONDS: '60' });
    const client = await connect(service);
    const run = await runInFlight(service, '/long');

    const signalledAt = Date.now();
    const exited = service.kill('SIGINT');
    await waitFor(() => service.output.includes('SIGINT: stopping'), 5_000, 'the first SIGINT to be logged');
    service.signal('SIGINT');
    expect(await exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);

    expect(service.output).toContain('SIGINT again: not waiting any longer');
    expect(client.of(run.taskId).find((event) => event.name === 'task_error')?.payload).toMatchObject({
      runId: run.id,
      status: 'interrupted',
    });
    expect(await storedRun(run)).toMatchObject({ status: 'interrupted' });
  }, 90_000);
});
