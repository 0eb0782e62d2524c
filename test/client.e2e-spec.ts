import { ScoutApiError, ScoutClient, type ScoutEvent, type TaskStartedEvent } from '../src/client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/webhook-server';

const API_KEY = 'scout-client-key-0123456789';

/** The typed client (`scout-scheduler/client`) against the real service, with an API key. */
describe.each(DATABASE_KINDS)('ScoutClient on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let client: ScoutClient;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp({ ...database.env, API_KEY });
    client = new ScoutClient({ baseUrl: service.url, apiKey: API_KEY });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('covers every route: tasks, schedules, preview, runs, events, instances, health', async () => {
    const task = await client.createTask({ name: 'client digest', handler: 'noop', payload: { a: 1 } });
    expect(task).toMatchObject({ name: 'client digest', handler: 'noop', payload: { a: 1 }, status: 'idle' });
    expect((await client.getTask(task.id)).id).toBe(task.id);
    expect((await client.listTasks({ limit: 500 })).items.map((item) => item.id)).toContain(task.id);
    const renamed = await client.updateTask(task.id, { name: 'client digest 2', payload: null });
    expect(renamed).toMatchObject({ name: 'client digest 2', payload: null });

    const preview = await client.previewSchedule({
      spec: 'cron:30 2 * * *',
      timezone: 'Europe/Berlin',
      count: 3,
    });
    expect(preview.type).toBe('cron');
    expect(preview.description).toBe('At 02:30 every day (Europe/Berlin)');
    expect(preview.nextRunTimes).toHaveLength(3);

    const schedule = await client.scheduleTask(task.id, { schedule: 'every 1h', maxRetries: 2 });
    expect(schedule).toMatchObject({ taskId: task.id, type: 'interval', maxRetries: 2, paused: false });
    expect((await client.getSchedule(task.id)).id).toBe(schedule.id);
    expect((await client.listSchedules()).items.map((item) => item.taskId)).toContain(task.id);
    expect(await client.pauseSchedule(task.id)).toMatchObject({ paused: true, nextRunAt: null });
    expect((await client.resumeSchedule(task.id)).paused).toBe(false);

    const run = await client.runTaskNow(task.id);
    expect(run).toMatchObject({ taskId: task.id, trigger: 'manual', status: 'running', scheduleId: null });
    const runs = await waitFor(async () => {
      const page = await client.getTaskRuns(task.id, { limit: 10 });
      return page.items[0]?.status === 'succeeded' ? page : null;
    });
    expect(runs.items[0].id).toBe(run.id);
    expect(runs.nextCursor).toBeNull();

    const listener = await client.createTask({
      name: 'on event',
      handler: 'noop',
      schedule: 'on:client.ready',
    });
    const accepted = await client.publishEvent('client.ready', { v: 1 }, { chainDepth: 1 });
    expect(accepted.event).toBe('client.ready');
    expect(accepted.runs).toEqual([
      expect.objectContaining({ taskId: listener.id, trigger: 'event', chainDepth: 2 }),
    ]);

    const instances = await client.listInstances();
    expect(instances.filter((instance) => instance.self)).toHaveLength(1);
    expect((await client.health()).status).toBe('ok');

    await client.cancelSchedule(task.id);
    await expect(client.getSchedule(task.id)).rejects.toMatchObject({ status: 404 });
    await client.deleteTask(task.id);
    await client.deleteTask(listener.id);
    await expect(client.getTask(task.id)).rejects.toBeInstanceOf(ScoutApiError);
  });

  it("throws the API's errors as ScoutApiError: 400 by field, 404, and 401 for a wrong key", async () => {
    const invalid = (await client
      .createTask({ name: '', handler: 'noop', schedule: 'cron:61 * * * *' })
      .catch((error: unknown) => error)) as ScoutApiError;
    expect(invalid).toBeInstanceOf(ScoutApiError);
    expect(invalid.status).toBe(400);
    expect(invalid.error).toBe('Bad Request');
    expect(invalid.byField(['name', 'schedule']).name?.[0]).toMatch(/^name /);

    const badSpec = (await client
      .createTask({ name: 'x', handler: 'noop', schedule: 'cron:61 * * * *' })
      .catch((error: unknown) => error)) as ScoutApiError;
    expect(badSpec.byField(['name', 'schedule'])).toEqual({
      schedule: ['minute field: 61 is out of range 0-59'],
    });

    await expect(client.getTask('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      status: 404,
      error: 'Not Found',
      message: 'task 00000000-0000-4000-8000-000000000000 not found',
    });
    const stranger = new ScoutClient({ baseUrl: service.url, apiKey: 'not-the-key-at-all-000' });
    await expect(stranger.listTasks()).rejects.toMatchObject({ status: 401, message: 'wrong API key' });
  });

  it('a typed subscription receives task_started for its task, and batches', async () => {
    const task = await client.createTask({ name: 'watched', handler: 'noop' });
    const stream = client.connectEvents({ taskId: task.id });
    const batched = client.connectEvents({ batch: true });
    try {
      await stream.ready;
      await batched.ready;
      const started: TaskStartedEvent[] = [];
      stream.on('task_started', (payload) => started.push(payload));
      const batches: ScoutEvent[][] = [];
      batched.onBatch((events) => batches.push(events));

      const run = await client.runTaskNow(task.id);
      const event = await waitFor(
        () => started.find((payload) => payload.runId === run.id),
        10_000,
        'task_started',
      );
      expect(event).toEqual({
        taskId: task.id,
        runId: run.id,
        scheduledFor: run.scheduledFor,
        startedAt: expect.any(String),
      });
      await waitFor(
        () => batches.flat().some((item) => item.name === 'task_finished' && item.payload.runId === run.id),
        10_000,
        'task_finished in a batch',
      );
      expect(batches.every((batch) => batch.length > 0)).toBe(true);
    } finally {
      stream.close();
      batched.close();
      await client.deleteTask(task.id);
    }
  });

  it('a handshake with a wrong key is refused with the reason', async () => {
    const stream = new ScoutClient({
      baseUrl: service.url,
      apiKey: 'not-the-key-at-all-000',
    }).connectEvents();
    try {
      await expect(stream.ready).rejects.toThrow(/unauthorized/);
    } finally {
      stream.close();
    }
  });
});
