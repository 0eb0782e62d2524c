import request from 'supertest';
import { EventClient } from './support/event-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor, WebhookServer } from './support/webhook-server';

/** Lifecycle events over Socket.IO (`docs/API.md`, Events), with a real socket.io-client. */
describe.each(DATABASE_KINDS)('live events on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let webhook: WebhookServer;
  let watcher: EventClient;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    webhook.respond = (call) => {
      if (call.path === '/fail') return { status: 500, body: 'down' };
      if (call.path === '/slow') return { status: 200, delayMs: 3_000 };
      return { status: 200, body: '{"ok":true}' };
    };
    service = await startTestApp(database.env);
    watcher = new EventClient(service.url);
    await watcher.connected();
  });

  afterAll(async () => {
    watcher?.close();
    await service?.close();
    await webhook?.stop();
    await database?.drop();
  });

  async function task(path: string): Promise<string> {
    const { body } = await request(service.url)
      .post('/api/tasks')
      .send({ name: path, handler: 'http', payload: { url: `${webhook.url}${path}` } })
      .expect(201);
    return body.id as string;
  }

  const names = (taskId: string, client = watcher) => client.of(taskId).map((event) => event.name);

  it('a succeeding scheduled run: schedule_update, task_started, task_finished with the spec payloads', async () => {
    const taskId = await task('/ok');
    const { body: schedule } = await request(service.url)
      .post(`/api/tasks/${taskId}/schedule`)
      .send({ schedule: 'in:1s' })
      .expect(201);
    await waitFor(() => names(taskId).includes('task_finished'), 10_000, 'task_finished');
    expect(names(taskId)).toEqual(['schedule_update', 'task_started', 'task_finished']);
    const [update, started, finished] = watcher.of(taskId);
    expect(update.payload).toEqual({ taskId, schedule });
    expect(started.payload).toEqual({
      taskId,
      runId: expect.any(String),
      scheduledFor: schedule.nextRunAt,
      startedAt: expect.any(String),
    });
    expect(finished.payload).toEqual({
      taskId,
      runId: started.payload.runId,
      status: 'succeeded',
      startedAt: started.payload.startedAt,
      finishedAt: expect.any(String),
      durationMs: expect.any(Number),
      result: { status: 200, body: { ok: true } },
    });
  });

  it('a failing run (webhook 500): task_started then task_error', async () => {
    const taskId = await task('/fail');
    await request(service.url).post(`/api/tasks/${taskId}/run`).expect(202);
    await waitFor(() => names(taskId).includes('task_error'), 10_000, 'task_error');
    expect(names(taskId)).toEqual(['task_started', 'task_error']);
    const error = watcher.of(taskId)[1].payload;
    expect(error).toEqual({
      taskId,
      runId: watcher.of(taskId)[0].payload.runId,
      status: 'failed',
      error: expect.stringMatching(/answered 500/),
      finishedAt: expect.any(String),
    });
  });

  it('a timed-out run: task_started then task_error with status timed_out', async () => {
    const taskId = await task('/slow');
    await request(service.url)
      .post(`/api/tasks/${taskId}/schedule`)
      .send({ schedule: 'on:slow-job', timeoutSeconds: 1 })
      .expect(201);
    await request(service.url).post('/api/events/slow-job').expect(202);
    await waitFor(() => names(taskId).includes('task_error'), 10_000, 'task_error');
    expect(names(taskId)).toEqual(['schedule_update', 'task_started', 'task_error']);
    expect(watcher.of(taskId)[2].payload).toMatchObject({
      status: 'timed_out',
      error: expect.stringMatching(/timed out/),
    });
  });

  it('a manual run: task_started then task_finished', async () => {
    const taskId = await task('/manual');
    const { body: run } = await request(service.url).post(`/api/tasks/${taskId}/run`).expect(202);
    await waitFor(() => names(taskId).includes('task_finished'), 10_000, 'task_finished');
    expect(names(taskId)).toEqual(['task_started', 'task_finished']);
    expect(watcher.of(taskId)[0].payload.runId).toBe(run.id);
  });

  it('a skipped fire emits one task_error with status skipped and no task_started', async () => {
    const taskId = await task('/slow');
    await request(service.url)
      .post(`/api/tasks/${taskId}/schedule`)
      .send({ schedule: 'cron:* * * * * *' })
      .expect(201);
    await waitFor(
      () => watcher.of(taskId).some((event) => event.payload.status === 'skipped'),
      10_000,
      'a skipped fire',
    );
    await request(service.url).delete(`/api/tasks/${taskId}/schedule`).expect(204);
    const skipped = watcher.of(taskId).find((event) => event.payload.status === 'skipped')!;
    expect(skipped.name).toBe('task_error');
    const startedRunIds = watcher
      .of(taskId)
      .filter((event) => event.name === 'task_started')
      .map((event) => event.payload.runId);
    expect(startedRunIds).not.toContain(skipped.payload.runId);
  });

  it('pause, resume and replacement emit schedule_update; cancel and deletion emit schedule_removed', async () => {
    const taskId = await task('/never');
    await request(service.url)
      .post(`/api/tasks/${taskId}/schedule`)
      .send({ schedule: 'every 30d' })
      .expect(201);
    await request(service.url).post(`/api/tasks/${taskId}/schedule/pause`).expect(200);
    await request(service.url).post(`/api/tasks/${taskId}/schedule/resume`).expect(200);
    await request(service.url)
      .post(`/api/tasks/${taskId}/schedule`)
      .send({ schedule: 'every 20d' })
      .expect(201);
    await request(service.url).delete(`/api/tasks/${taskId}/schedule`).expect(204);
    await request(service.url)
      .post(`/api/tasks/${taskId}/schedule`)
      .send({ schedule: 'every 10d' })
      .expect(201);
    await request(service.url).delete(`/api/tasks/${taskId}`).expect(204);
    await waitFor(() => names(taskId).filter((name) => name === 'schedule_removed').length === 2);
    expect(names(taskId)).toEqual([
      'schedule_update',
      'schedule_update',
      'schedule_update',
      'schedule_update',
      'schedule_removed',
      'schedule_update',
      'schedule_removed',
    ]);
    const updates = watcher.of(taskId).filter((event) => event.name === 'schedule_update');
    expect(updates.map((event) => (event.payload.schedule as { paused: boolean }).paused)).toEqual([
      false,
      true,
      false,
      false,
      false,
    ]);
    expect(watcher.of(taskId).find((event) => event.name === 'schedule_removed')?.payload).toEqual({
      taskId,
    });
  });

  it('rooms: a subscribed client gets only its tasks; unsubscribe undoes one; bad payloads get an error ack', async () => {
    const first = await task('/room-a');
    const second = await task('/room-b');
    const subscriber = new EventClient(service.url);
    await subscriber.connected();
    try {
      expect(await subscriber.emitWithAck('subscribe', { taskId: first })).toEqual({
        ok: true,
        taskId: first,
        batch: false,
      });
      expect(await subscriber.emitWithAck('subscribe', { taskId: 'not-a-uuid' })).toEqual({
        ok: false,
        error: expect.stringMatching(/taskId/),
      });
      expect(await subscriber.emitWithAck('subscribe', null)).toMatchObject({ ok: false });
      await request(service.url).post(`/api/tasks/${first}/run`).expect(202);
      await request(service.url).post(`/api/tasks/${second}/run`).expect(202);
      await waitFor(() => names(second).includes('task_finished') && names(first).includes('task_finished'));
      await waitFor(() => names(first, subscriber).includes('task_finished'));
      expect(names(first, subscriber)).toEqual(['task_started', 'task_finished']);
      expect(names(second, subscriber)).toEqual([]);

      expect(await subscriber.emitWithAck('unsubscribe', { taskId: first })).toEqual({
        ok: true,
        taskId: first,
      });
      const before = subscriber.events.length;
      await request(service.url).post(`/api/tasks/${first}/run`).expect(202);
      await waitFor(() => names(first).filter((name) => name === 'task_finished').length === 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(subscriber.events.length).toBe(before);
    } finally {
      subscriber.close();
    }
  });
  async function noopTask(name: string): Promise<string> {
    const { body } = await request(service.url)
      .post('/api/tasks')
      .send({ name, handler: 'noop' })
      .expect(201);
    return body.id as string;
  }

  it('subscribe {batch: true}: events_batch messages of {name, payload} in order, no named events', async () => {
    const taskId = await noopTask('batched');
    const batched = new EventClient(service.url);
    await batched.connected();
    try {
      expect(await batched.emitWithAck('subscribe', { batch: true })).toEqual({ ok: true, batch: true });
      const runs = await Promise.all(
        Array.from({ length: 10 }, () => request(service.url).post(`/api/tasks/${taskId}/run`).expect(202)),
      );
      await waitFor(() => names(taskId).filter((name) => name === 'task_finished').length === 10);
      await waitFor(() => batched.batched(taskId).filter((e) => e.name === 'task_finished').length === 10);
      // The same events as a plain client got, with the same payloads, in the same order.
      expect(batched.batched(taskId)).toEqual(
        watcher.of(taskId).map(({ name, payload }) => ({ name, payload })),
      );
      expect(batched.events).toEqual([]);
      // Each run: task_started before its end, within or across batches.
      for (const { body: run } of runs) {
        const order = batched.batched(taskId).filter((event) => event.payload.runId === run.id);
        expect(order.map((event) => event.name)).toEqual(['task_started', 'task_finished']);
      }
      expect(batched.batches.length).toBeLessThan(batched.batched(taskId).length);
    } finally {
      batched.close();
    }
  });

  it('subscribe {taskId, batch: true} batches only that task; {batch: false} returns to the named events', async () => {
    const mine = await noopTask('batched-mine');
    const other = await noopTask('batched-other');
    const batched = new EventClient(service.url);
    await batched.connected();
    try {
      expect(await batched.emitWithAck('subscribe', { taskId: mine.toUpperCase(), batch: true })).toEqual({
        ok: true,
        taskId: mine,
        batch: true,
      });
      await request(service.url).post(`/api/tasks/${other}/run`).expect(202);
      await request(service.url).post(`/api/tasks/${mine}/run`).expect(202);
      await waitFor(() => batched.batched(mine).some((event) => event.name === 'task_finished'));
      await waitFor(() => names(other).includes('task_finished'));
      expect(batched.batched(mine).map((event) => event.name)).toEqual(['task_started', 'task_finished']);
      expect(batched.batched(other)).toEqual([]);
      expect(batched.events).toEqual([]);

      expect(await batched.emitWithAck('subscribe', { batch: false })).toEqual({ ok: true, batch: false });
      const batchesBefore = batched.batches.length;
      await request(service.url).post(`/api/tasks/${mine}/run`).expect(202);
      await waitFor(() => names(mine, batched).includes('task_finished'));
      expect(names(mine, batched)).toEqual(['task_started', 'task_finished']);
      expect(batched.batches.length).toBe(batchesBefore);
    } finally {
      batched.close();
    }
  });

  it('a bad subscribe is refused with an error ack and changes nothing', async () => {
    const client = new EventClient(service.url);
    await client.connected();
    try {
      for (const body of [{ batch: 'yes' }, { batch: 1 }, {}, { taskId: 'nope', batch: true }, [true]]) {
        expect(await client.emitWithAck('subscribe', body)).toEqual({
          ok: false,
          error: 'subscribe expects {taskId: "<task UUID>"}, {batch: true|false}, or both',
        });
      }
      // Still a plain client of every event.
      const taskId = await noopTask('after-bad-subscribe');
      await request(service.url).post(`/api/tasks/${taskId}/run`).expect(202);
      await waitFor(() => names(taskId, client).includes('task_finished'));
      expect(client.batches).toEqual([]);
    } finally {
      client.close();
    }
  });
});
