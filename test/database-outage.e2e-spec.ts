import { Client } from 'pg';
import { callApi } from './support/api-client';
import { EventClient } from './support/event-client';
import { FaultProxy } from './support/fault-proxy';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { freePort, ServiceProcess } from './support/service-process';
import { ReceivedCall, waitFor, WebhookServer } from './support/webhook-server';

// A database that goes away needs a server to go away: the embedded one lives in the process.
const describeOnPostgres = process.env.DATABASE_URL ? describe : describe.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const status = (url: string) =>
  fetch(url).then(
    (response) => response.status,
    () => 0,
  );

/** Polls /health and /health/live every 100 ms, recording each answer with its time. */
class HealthWatch {
  readonly samples: Array<{ at: number; ready: number; live: number }> = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(baseUrl: string) {
    this.done = (async () => {
      while (this.running) {
        const [ready, live] = await Promise.all([
          status(`${baseUrl}/health`),
          status(`${baseUrl}/health/live`),
        ]);
        this.samples.push({ at: Date.now(), ready, live });
        await sleep(100);
      }
    })();
  }

  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }

  firstAfter(at: number, ready: number): number | undefined {
    return this.samples.find((sample) => sample.at >= at && sample.ready === ready)?.at;
  }
}

/** Deliveries per (path, scheduled instant): a count over 1 is an instant run twice. */
function duplicateInstants(calls: ReceivedCall[]): string[] {
  const seen = new Map<string, number>();
  for (const call of calls) {
    const key = `${call.path}@${call.headers['x-scout-scheduled-for'] as string}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
}

describe.each(DATABASE_KINDS)('health endpoints (%s)', (kind) => {
  let database: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = new ServiceProcess(database.env, await freePort());
    await service.start();
  });

  afterAll(async () => {
    await service?.kill();
    await database?.drop();
  });

  it('answers /health (readiness, with the database) and /health/live (liveness) with 200', async () => {
    const ready = await fetch(`${service.url}/health`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    const live = await fetch(`${service.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });
});

describeOnPostgres('a database outage, one instance', () => {
  const TASKS = 4;
  let database: TestDatabase;
  let proxy: FaultProxy;
  let webhook: WebhookServer;
  let service: ServiceProcess;
  let sql: Client;
  let events: EventClient;
  const taskIds: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    proxy = await FaultProxy.forUrl(database.env.DATABASE_URL).start();
    webhook = await new WebhookServer().start();
    service = new ServiceProcess({ DATABASE_URL: proxy.url(database.env.DATABASE_URL) }, await freePort());
    await service.start();
    sql = new Client({ connectionString: database.env.DATABASE_URL });
    await sql.connect();
    events = new EventClient(service.url);
    await events.connected();
    for (let index = 0; index < TASKS; index++) {
      const task = await callApi<{ id: string }>(service.url, 'POST', '/api/tasks', {
        name: `tick ${index}`,
        handler: 'http',
        payload: { url: `${webhook.url}/tick/${index}` },
        schedule: 'every 1s',
      });
      taskIds.push(task.id);
    }
    await waitFor(
      () => taskIds.every((_, index) => webhook.callsTo(`/tick/${index}`).length >= 2),
      15_000,
      'every task to fire twice',
    );
  });

  afterAll(async () => {
    events?.close();
    await service?.kill();
    await sql?.end();
    await proxy?.stop();
    await webhook?.stop();
    await database?.drop();
  });

  /** Every task delivered after `since`, and the connected client told of a start and an end. */
  const firingAgain = (since: number) =>
    waitFor(
      () =>
        taskIds.every(
          (taskId, index) =>
            webhook.callsTo(`/tick/${index}`).some((call) => call.receivedAt > since) &&
            events.of(taskId).some((event) => event.name === 'task_started' && event.receivedAt > since) &&
            events.of(taskId).some((event) => event.name === 'task_finished' && event.receivedAt > since),
        ),
      20_000,
      'every task to fire again, with its events',
    );

  /** Once things settle no run scheduled before `before` is still pending or running. */
  const settled = (before: number) =>
    waitFor(
      async () => {
        const { rows } = await sql.query<{ open: string }>(
          `SELECT count(*) AS open FROM task_run WHERE status IN ('pending', 'running') AND scheduled_for < $1`,
          [new Date(before)],
        );
        return Number(rows[0].open) === 0;
      },
      30_000,
      'the runs from before the outage to end',
    );

  it('stays up through 5 s without its database: 503 then 200, fires again, nothing twice, nothing left open', async () => {
    const watch = new HealthWatch(service.url);
    await sleep(500);
    const downAt = Date.now();
    proxy.down();
    await waitFor(() => watch.firstAfter(downAt, 503), 5_000, '/health to answer 503');
    const detectedAt = watch.firstAfter(downAt, 503)!;

    // Requests during the outage get a clear 503, not a 500.
    const manual = await fetch(`${service.url}/api/tasks/${taskIds[0]}/run`, { method: 'POST' });
    expect(manual.status).toBe(503);
    expect(await manual.json()).toMatchObject({
      statusCode: 503,
      message: expect.stringMatching(/database/),
    });
    const event = await fetch(`${service.url}/api/events/outage.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(event.status).toBe(503);
    const ready = await fetch(`${service.url}/health`);
    expect(await ready.json()).toMatchObject({
      statusCode: 503,
      message: expect.stringMatching(/^database unreachable/),
    });

    await sleep(downAt + 5_000 - Date.now());
    const healAt = Date.now();
    proxy.heal();
    await waitFor(() => watch.firstAfter(healAt, 200), 15_000, '/health to answer 200 again');
    const readyAt = watch.firstAfter(healAt, 200)!;
    await firingAgain(healAt);
    const firstFire = Math.min(
      ...webhook.calls.filter((call) => call.receivedAt > healAt).map((c) => c.receivedAt),
    );
    await sleep(1_000);
    await watch.stop();

    console.log(
      `outage (down 5 s): down detected after ${detectedAt - downAt} ms; /health 200 ${readyAt - healAt} ms after heal; ` +
        `first fire ${firstFire - healAt} ms after heal`,
    );
    expect(watch.samples.every((sample) => sample.live === 200)).toBe(true);
    expect(
      watch.samples.filter((sample) => sample.at > readyAt).every((sample) => sample.ready === 200),
    ).toBe(true);
    expect(duplicateInstants(webhook.calls)).toEqual([]);
    await settled(healAt);
    expect(service.output).not.toMatch(/Unhandled 'error' event/);
    // The outage is logged once, and its end once, not per tick.
    expect(service.output.match(/Database unreachable/g)).toHaveLength(1);
    expect(service.output.match(/Database reachable again after/g)).toHaveLength(1);
    expect(service.output).not.toMatch(/Planning failed|Heartbeat failed/);
  }, 90_000);

  it('survives an instant restart of the database (every connection cut at once)', async () => {
    const watch = new HealthWatch(service.url);
    await sleep(1_500);
    const cutAt = Date.now();
    proxy.cut();
    await firingAgain(cutAt + 100);
    const firstFire = Math.min(
      ...webhook.calls.filter((call) => call.receivedAt > cutAt).map((c) => c.receivedAt),
    );
    const readyAt = watch.firstAfter(cutAt, 200)!;
    await sleep(1_000);
    await watch.stop();

    console.log(
      `outage (cut): /health 200 ${readyAt - cutAt} ms after the cut; ` +
        `503 answers: ${watch.samples.filter((sample) => sample.ready !== 200).length}; first fire ${firstFire - cutAt} ms after the cut`,
    );
    expect(watch.samples.every((sample) => sample.live === 200)).toBe(true);
    expect(duplicateInstants(webhook.calls)).toEqual([]);
    await settled(cutAt);
    expect(service.output).not.toMatch(/Unhandled 'error' event/);
  }, 60_000);
});

describeOnPostgres('a database outage longer than the heartbeat timeout, two instances', () => {
  const OUTAGE_MS = 15_000;
  /** The second instance gets its database back this much later than the first. */
  const STAGGER_MS = 3_000;
  let database: TestDatabase;
  const proxies: FaultProxy[] = [];
  let webhook: WebhookServer;
  let sql: Client;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    webhook = await new WebhookServer().start();
    // Long runs answer after 20 s: they span the whole outage.
    webhook.respond = (call) => ({
      status: 200,
      body: '{"ok":true}',
      delayMs: call.path.startsWith('/slow') ? 20_000 : 0,
    });
    // A proxy each, so that one instance can be back before the other.
    for (let index = 0; index < 2; index++) {
      const proxy = await FaultProxy.forUrl(database.env.DATABASE_URL).start();
      proxies.push(proxy);
      services.push(
        new ServiceProcess({ DATABASE_URL: proxy.url(database.env.DATABASE_URL) }, await freePort()),
      );
    }
    await Promise.all(services.map((service) => service.start()));
    sql = new Client({ connectionString: database.env.DATABASE_URL });
    await sql.connect();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.kill()));
    await sql?.end();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await webhook?.stop();
    await database?.drop();
  });

  it('the first back interrupts and takes over no live run of the other; every run ends once; no instant twice', async () => {
    const [a, b] = services;
    await waitFor(
      async () =>
        (await callApi<Array<{ alive: boolean }>>(a.url, 'GET', '/api/instances')).filter((i) => i.alive)
          .length === 2,
      10_000,
      'both instances alive',
    );
    for (let index = 0; index < 6; index++) {
      await callApi(services[index % 2].url, 'POST', '/api/tasks', {
        name: `tick ${index}`,
        handler: 'http',
        payload: { url: `${webhook.url}/tick/${index}` },
        schedule: 'every 1s',
      });
    }
    // Long runs on each instance: manual ones, and a schedule whose runs take 20 s.
    const slow = [];
    for (const [index, service] of services.entries()) {
      const task = await callApi<{ id: string }>(service.url, 'POST', '/api/tasks', {
        name: `slow ${index}`,
        handler: 'http',
        payload: { url: `${webhook.url}/slow/manual/${index}` },
      });
      slow.push(await callApi<{ id: string }>(service.url, 'POST', `/api/tasks/${task.id}/run`));
    }
    await callApi(a.url, 'POST', '/api/tasks', {
      name: 'slow scheduled',
      handler: 'http',
      payload: { url: `${webhook.url}/slow/scheduled` },
      schedule: 'every 3s',
    });
    await waitFor(
      () => webhook.calls.filter((call) => call.path.startsWith('/slow')).length >= 3,
      10_000,
      'slow runs',
    );
    const { rows: before } = await sql.query<{ id: string; instance_id: string }>(
      `SELECT id, instance_id FROM task_run WHERE status IN ('pending', 'running') AND trigger <> 'retry'`,
    );

    const downAt = Date.now();
    for (const proxy of proxies) proxy.down();
    await sleep(OUTAGE_MS);
    const healAt = Date.now();
    proxies[0].heal();
    await sleep(STAGGER_MS);
    proxies[1].heal();
    await Promise.all(
      services.map((service) =>
        waitFor(() => status(`${service.url}/health`).then((code) => code === 200), 15_000, '/health 200'),
      ),
    );
    console.log(
      `two instances: both ready ${Date.now() - healAt} ms after the first heal (${healAt - downAt} ms outage, second instance ${STAGGER_MS} ms later)`,
    );
    await waitFor(
      () =>
        [0, 1, 2, 3, 4, 5].every((index) =>
          webhook.callsTo(`/tick/${index}`).some((call) => call.receivedAt > healAt + 1_000),
        ),
      20_000,
      'every task to fire again',
    );
    // The slow runs end 20 s after they started; the grace for peers' heartbeats passes meanwhile.
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ open: string }>(
          `SELECT count(*) AS open FROM task_run WHERE status IN ('pending', 'running') AND scheduled_for < $1`,
          [new Date(healAt)],
        );
        return Number(rows[0].open) === 0;
      },
      40_000,
      'every run from before the heal to end',
    );

    const { rows: after } = await sql.query<{
      id: string;
      instance_id: string;
      status: string;
      error: string | null;
    }>(`SELECT id, instance_id, status, error FROM task_run WHERE id = ANY($1::uuid[])`, [
      before.map((row) => row.id),
    ]);
    // The runs that were running across the outage finished where they ran, as they ended.
    for (const run of slow) {
      const row = after.find((one) => one.id === run.id)!;
      expect(row).toMatchObject({
        status: 'succeeded',
        instance_id: before.find((one) => one.id === run.id)!.instance_id,
      });
    }
    for (const row of after)
      expect(row.instance_id).toBe(before.find((one) => one.id === row.id)!.instance_id);
    const { rows: stolen } = await sql.query(
      `SELECT id FROM task_run WHERE status = 'interrupted' AND error LIKE '%instance running it stopped%'`,
    );
    expect(stolen).toEqual([]);
    const manualCalls = webhook.calls.filter((call) => call.path.startsWith('/slow/manual'));
    expect(manualCalls).toHaveLength(2);
    expect(duplicateInstants(webhook.calls)).toEqual([]);
    for (const service of services) expect(service.output).not.toMatch(/Unhandled 'error' event/);
    const alive = await callApi<Array<{ alive: boolean }>>(b.url, 'GET', '/api/instances');
    expect(alive.filter((instance) => instance.alive)).toHaveLength(2);
  }, 150_000);
});
