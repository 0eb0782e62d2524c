import type { TaskRunView as Run } from '../src/api/contract';
import request from 'supertest';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { freePort } from './support/service-process';
import { waitFor, WebhookServer } from './support/webhook-server';

/** Tasks calling a webhook on every schedule form: the `http` handler, on time, with its headers. */
describe.each(DATABASE_KINDS)('execution on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let webhook: WebhookServer;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    webhook.respond = (call) => {
      if (call.path === '/fail') return { status: 500, body: '{"error":"boom"}' };
      if (call.path === '/slow') return { status: 200, delayMs: 3_000 };
      if (call.path === '/busy') return { status: 200, delayMs: 1_500 };
      return { status: 200, body: JSON.stringify({ ok: true, path: call.path }) };
    };
    service = await startTestApp(database.env);
  });

  afterAll(async () => {
    await service?.close();
    await webhook?.stop();
    await database?.drop();
  });

  async function httpTask(path: string, extra: Record<string, unknown> = {}): Promise<string> {
    const { body } = await request(service.url)
      .post('/api/tasks')
      .send({
        name: `calls ${path}`,
        handler: 'http',
        payload: { url: `${webhook.url}${path}`, body: { hello: 1 } },
        ...extra,
      })
      .expect(201);
    return body.id as string;
  }

  const schedule = (taskId: string, body: Record<string, unknown>) =>
    request(service.url).post(`/api/tasks/${taskId}/schedule`).send(body).expect(201);

  async function runsOf(taskId: string): Promise<Run[]> {
    const { body } = await request(service.url)
      .get(`/api/tasks/${taskId}/runs`)
      .query({ limit: 500 })
      .expect(200);
    return body.items as Run[];
  }

  const finished = (runs: Run[]) => runs.filter((run) => !['pending', 'running'].includes(run.status));

  it('calls the webhook every second for cron:* * * * * *, on time, with the run identity headers', async () => {
    const taskId = await httpTask('/cron');
    await schedule(taskId, { schedule: 'cron:* * * * * *' });
    await waitFor(() => webhook.callsTo('/cron').length >= 3, 10_000, '3 calls');
    const [call] = webhook.callsTo('/cron');
    const scheduledFor = Date.parse(call.headers['x-scout-scheduled-for'] as string);
    expect(scheduledFor % 1000).toBe(0);
    expect(call.receivedAt - scheduledFor).toBeLessThan(1_000);
    expect(call.headers['x-scout-task-id']).toBe(taskId);
    expect(call.headers['idempotency-key']).toBe(call.headers['x-scout-run-id']);
    expect(call.method).toBe('POST');
    expect(JSON.parse(call.body)).toEqual({ hello: 1 });
    await request(service.url).delete(`/api/tasks/${taskId}/schedule`).expect(204);
    const runs = await waitFor(async () => {
      const all = await runsOf(taskId);
      return all.length > 0 && all.every((run) => run.status === 'succeeded') ? all : undefined;
    });
    expect(runs.map((run) => run.id)).toContain(call.headers['x-scout-run-id']);
    expect(runs[0]).toMatchObject({ trigger: 'schedule', attempt: 1, error: null });
    // Time-ordered ids (UUIDv7, made at the claim): a later fire's id sorts after an earlier one's.
    const byInstant = [...runs].sort((a, b) => Date.parse(a.scheduledFor) - Date.parse(b.scheduledFor));
    for (const run of byInstant) expect(run.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
    expect(byInstant.map((run) => run.id)).toEqual(byInstant.map((run) => run.id).sort());
    expect(runs.find((run) => run.id === call.headers['x-scout-run-id'])?.result).toEqual({
      status: 200,
      body: { ok: true, path: '/cron' },
    });
    // Cancelled: no more calls.
    const calls = webhook.callsTo('/cron').length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(webhook.callsTo('/cron').length).toBe(calls);
  });

  it('keeps an interval on its phase: every 2s fires at scheduledAt + k·2s', async () => {
    const taskId = await httpTask('/every');
    const { body } = await schedule(taskId, { schedule: 'every 2s' });
    const first = Date.parse(body.nextRunAt as string);
    await waitFor(() => webhook.callsTo('/every').length >= 2, 10_000, '2 interval calls');
    await request(service.url).delete(`/api/tasks/${taskId}/schedule`).expect(204);
    const instants = webhook
      .callsTo('/every')
      .map((call) => Date.parse(call.headers['x-scout-scheduled-for'] as string));
    expect(instants[0]).toBe(first);
    expect(instants[1] - instants[0]).toBe(2_000);
  });

  it('fires in: and at: one-shots exactly once, then has no next run', async () => {
    const inTask = await httpTask('/in');
    const atTask = await httpTask('/at');
    await schedule(inTask, { schedule: 'in:1s' });
    const at = new Date(Date.now() + 1_500);
    await schedule(atTask, { schedule: `at:${at.toISOString()}` });
    await waitFor(
      () => webhook.callsTo('/in').length === 1 && webhook.callsTo('/at').length === 1,
      10_000,
      'one-shots',
    );
    expect(webhook.callsTo('/at')[0].headers['x-scout-scheduled-for']).toBe(at.toISOString());
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(webhook.callsTo('/in')).toHaveLength(1);
    expect(webhook.callsTo('/at')).toHaveLength(1);
    const { body } = await request(service.url).get(`/api/tasks/${atTask}/schedule`).expect(200);
    expect(body.nextRunAt).toBeNull();
  });

  it('runs on:<event> tasks when the event is published and after:<task> on success', async () => {
    const onTask = await httpTask('/on');
    const afterTask = await httpTask('/after');
    await schedule(onTask, { schedule: 'on:report.ready' });
    await schedule(afterTask, { schedule: `after:${onTask}` });
    const { body } = await request(service.url)
      .post('/api/events/report.ready')
      .send({ payload: { id: 7 } })
      .expect(202);
    expect(body.event).toBe('report.ready');
    expect(body.runs).toHaveLength(1);
    expect(body.runs[0]).toMatchObject({ taskId: onTask, trigger: 'event' });
    await waitFor(() => webhook.callsTo('/after').length === 1, 10_000, 'the chained task');
    const chained = await waitFor(async () => finished(await runsOf(afterTask))[0]);
    expect(chained).toMatchObject({ trigger: 'chain', status: 'succeeded' });
    expect(webhook.callsTo('/on')).toHaveLength(1);
  });

  it('fails a run on a non-2xx answer with a readable error, and retries with backoff', async () => {
    const taskId = await httpTask('/fail');
    await schedule(taskId, { schedule: 'on:retry-me', maxRetries: 1, retryBackoffSeconds: 1 });
    await request(service.url).post('/api/events/retry-me').expect(202);
    const runs = await waitFor(async () => {
      const done = finished(await runsOf(taskId));
      return done.length === 2 ? done : undefined;
    }, 10_000);
    const [retry, original] = runs;
    expect(original).toMatchObject({ status: 'failed', attempt: 1, trigger: 'event' });
    expect(original.error).toMatch(/answered 500/);
    expect(retry).toMatchObject({ status: 'failed', attempt: 2, trigger: 'retry' });
    expect(Date.parse(retry.scheduledFor) - Date.parse(original.finishedAt!)).toBeGreaterThanOrEqual(1_000);
  });

  it('fails with a readable error when the webhook cannot be reached', async () => {
    const { body: task } = await request(service.url)
      .post('/api/tasks')
      .send({
        name: 'unreachable',
        handler: 'http',
        payload: { url: `http://127.0.0.1:${await freePort()}/nothing` },
      })
      .expect(201);
    const { body: run } = await request(service.url).post(`/api/tasks/${task.id}/run`).expect(202);
    expect(run).toMatchObject({ trigger: 'manual', scheduleId: null });
    const done = await waitFor(async () => finished(await runsOf(task.id as string))[0]);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/ECONNREFUSED/);
  });

  it('ends a run that outlives timeoutSeconds as timed_out', async () => {
    const taskId = await httpTask('/slow');
    await schedule(taskId, { schedule: 'on:slow', timeoutSeconds: 1 });
    await request(service.url).post('/api/events/slow').expect(202);
    const done = await waitFor(async () => finished(await runsOf(taskId))[0], 10_000);
    expect(done.status).toBe('timed_out');
    expect(done.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(done.durationMs).toBeLessThan(2_500);
  });

  it('skips a fire while the previous run of the schedule is still going (overlap skip)', async () => {
    const taskId = await httpTask('/busy');
    await schedule(taskId, { schedule: 'cron:* * * * * *' });
    await waitFor(
      async () => (await runsOf(taskId)).some((run) => run.status === 'skipped'),
      10_000,
      'a skipped run',
    );
    await request(service.url).delete(`/api/tasks/${taskId}/schedule`).expect(204);
    const skipped = (await runsOf(taskId)).find((run) => run.status === 'skipped')!;
    expect(skipped.startedAt).toBeNull();
    expect(skipped.error).toMatch(/previous run/);
  });
});
