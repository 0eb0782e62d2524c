import type { TaskView as Task, TaskRunView as Run } from '../src/api/contract';
import { expectError, expectNoLeak } from './support/error-assertions';
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import request from 'supertest';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor, WebhookServer } from './support/webhook-server';

/** The REST contract for tasks and their runs (`docs/API.md`), over the real HTTP server. */

// Starting the app on an embedded database takes a few seconds; runs are awaited by polling.
jest.setTimeout(30_000);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
describe.each(DATABASE_KINDS)('REST API: tasks and runs on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let webhook: WebhookServer;
  const api = () => request(service.url);

  /** Every task, as the API lists them (one page is enough for this file). */
  async function allTasks(): Promise<unknown[]> {
    const { body } = await api().get('/api/tasks').query({ limit: 500 }).expect(200);
    expect(body.nextCursor).toBeNull();
    return body.items;
  }

  async function allSchedules(): Promise<unknown[]> {
    const { body } = await api().get('/api/schedules').query({ limit: 500 }).expect(200);
    return body.items;
  }

  /** Runs `refuse` and asserts that the stored tasks and schedules are exactly as before. */
  async function expectNothingChanged(refuse: () => Promise<unknown>): Promise<void> {
    const [tasksBefore, schedulesBefore] = [await allTasks(), await allSchedules()];
    await refuse();
    expect(await allTasks()).toEqual(tasksBefore);
    expect(await allSchedules()).toEqual(schedulesBefore);
  }

  async function createTask(body: Record<string, unknown> = {}): Promise<Task> {
    const response = await api()
      .post('/api/tasks')
      .send({ name: `task ${randomUUID().slice(0, 8)}`, ...body });
    expect(response.status).toBe(201);
    return response.body;
  }

  /** Polls the task's runs until the run is final. */
  async function finishedRun(taskId: string, runId: string): Promise<Run> {
    return waitFor(
      async () => {
        const { body } = await api().get(`/api/tasks/${taskId}/runs`).expect(200);
        const run = body.items.find((item: { id: string }) => item.id === runId);
        return run && !['pending', 'running'].includes(run.status) ? run : undefined;
      },
      10_000,
      `run ${runId} to finish`,
    );
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp(database.env);
    webhook = await new WebhookServer().start();
  });

  afterAll(async () => {
    await service?.close();
    await webhook?.stop();
    await database?.drop();
  });

  describe('POST /api/tasks', () => {
    it('creates a task with the defaults: handler noop, status idle, no run, no schedule', async () => {
      const before = Date.now();
      const response = await api().post('/api/tasks').send({ name: 'Nightly digest' }).expect(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Nightly digest',
        description: null,
        handler: 'noop',
        payload: null,
        status: 'idle',
        nextRunAt: null,
        lastRun: null,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
      expect(Date.parse(response.body.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
      const fetched = await api().get(`/api/tasks/${response.body.id}`).expect(200);
      expect(fetched.body).toEqual(response.body);
    });

    it('stores description, handler and payload as given', async () => {
      const payload = { url: `${webhook.url}/hook`, method: 'PUT', headers: { 'x-a': 'b' }, body: { n: 1 } };
      const task = await createTask({
        name: 'Webhook',
        description: 'calls a hook',
        handler: 'http',
        payload,
      });
      expect(task).toMatchObject({ name: 'Webhook', description: 'calls a hook', handler: 'http', payload });
      const fetched = await api().get(`/api/tasks/${task.id}`).expect(200);
      expect(fetched.body.payload).toEqual(payload);
    });

    it('with a schedule: the task shows its nextRunAt and GET schedule returns it', async () => {
      const before = Date.now();
      const task = await createTask({ schedule: 'every 1h' });
      expect(Date.parse(task.nextRunAt!)).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
      expect(Date.parse(task.nextRunAt!)).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
      const schedule = await api().get(`/api/tasks/${task.id}/schedule`).expect(200);
      expect(schedule.body).toMatchObject({
        taskId: task.id,
        schedule: 'every 1h',
        type: 'interval',
        description: 'Every hour',
        nextRunAt: task.nextRunAt,
        paused: false,
      });
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body.nextRunAt).toBe(task.nextRunAt);
    });
  });

  describe('GET /api/tasks', () => {
    it('answers a page of `limit` items with a nextCursor, and nextCursor null when all fit', async () => {
      for (let index = 0; index < 3; index++) await createTask({ name: `page task ${index}` });
      const all = (await allTasks()) as { id: string; createdAt: string }[];
      expect(all.length).toBeGreaterThanOrEqual(5);
      // Oldest first.
      const sorted = [...all].sort(
        (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id),
      );
      expect(all.map((task) => task.id)).toEqual(sorted.map((task) => task.id));

      const first = await api().get('/api/tasks').query({ limit: 2 }).expect(200);
      expect(first.body.items).toEqual(all.slice(0, 2));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const exact = await api().get('/api/tasks').query({ limit: all.length }).expect(200);
      expect(exact.body).toEqual({ items: all, nextCursor: null });
      const defaults = await api().get('/api/tasks').expect(200);
      expect(defaults.body).toEqual({ items: all, nextCursor: null });
    });

    // Regression: cursors held created_at in ms while PostgreSQL kept µs, so pages repeated items.
    it('pages with limit and cursor: second page follows the first, every task once, last page nextCursor null', async () => {
      const all = (await allTasks()) as { id: string }[];
      const first = await api().get('/api/tasks').query({ limit: 2 }).expect(200);
      const second = await api()
        .get('/api/tasks')
        .query({ limit: 2, cursor: first.body.nextCursor })
        .expect(200);
      expect(second.body.items).toEqual(all.slice(2, 4));
      for (const limit of [1, 2, 3]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let last: { items: unknown[]; nextCursor: string | null } | undefined;
        for (let page = 0; page <= all.length; page++) {
          const { body } = await api()
            .get('/api/tasks')
            .query(cursor ? { limit, cursor } : { limit })
            .expect(200);
          expect(body.items.length).toBeLessThanOrEqual(limit);
          seen.push(...body.items.map((task: { id: string }) => task.id));
          last = body;
          if (body.nextCursor === null) break;
          cursor = body.nextCursor;
        }
        expect(seen).toEqual(all.map((task) => task.id));
        expect(last?.nextCursor).toBeNull();
      }
    });

    it.each([
      [{ limit: 0 }, 'limit must not be less than 1'],
      [{ limit: 501 }, 'limit must not be greater than 500'],
      [{ limit: 'ten' }, 'limit must be an integer'],
      [{ cursor: 'not-a-cursor' }, 'cursor: not a cursor returned by this API'],
      [{ bogus: 1 }, 'property bogus should not exist'],
    ])('refuses the query %j with a 400', async (query, message) => {
      expectError(await api().get('/api/tasks').query(query), 400, 'Bad Request', message);
    });
  });

  describe('GET, PATCH, DELETE /api/tasks/{id}', () => {
    it('PATCH with handler and payload replaces them and keeps the other fields', async () => {
      const task = await createTask({ name: 'before', description: 'first' });
      const response = await api()
        .patch(`/api/tasks/${task.id}`)
        .send({ name: 'after', handler: 'noop', payload: { x: 1 } })
        .expect(200);
      expect(response.body).toEqual({
        ...task,
        name: 'after',
        payload: { x: 1 },
        updatedAt: expect.stringMatching(ISO),
      });
      expect(Date.parse(response.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(task.updatedAt));
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body).toEqual(response.body);

      const switched = await api()
        .patch(`/api/tasks/${task.id}`)
        .send({ handler: 'http', payload: { url: `${webhook.url}/patched` } })
        .expect(200);
      expect(switched.body).toMatchObject({
        name: 'after',
        description: 'first',
        handler: 'http',
        payload: { url: `${webhook.url}/patched` },
      });
    });

    // Regression: fields left out of a PATCH arrived as undefined and overwrote handler/payload.
    it('PATCH with only some fields changes just those (name, then description)', async () => {
      const task = await createTask({ name: 'before', description: 'first', payload: { keep: 1 } });
      const renamed = await api().patch(`/api/tasks/${task.id}`).send({ name: 'after' }).expect(200);
      expect(renamed.body).toMatchObject({
        name: 'after',
        description: 'first',
        handler: 'noop',
        payload: { keep: 1 },
      });
      const described = await api()
        .patch(`/api/tasks/${task.id}`)
        .send({ description: 'second' })
        .expect(200);
      expect(described.body).toMatchObject({ name: 'after', description: 'second', payload: { keep: 1 } });
      await api().patch(`/api/tasks/${task.id}`).send({}).expect(200);
    });

    // Regression: a PATCH with handler but no payload was a 500.
    it('PATCH {handler: "http"} on a task whose payload has no url is a 400, not a 500', async () => {
      const task = await createTask({ payload: { keep: true } });
      expectError(
        await api().patch(`/api/tasks/${task.id}`).send({ handler: 'http' }),
        400,
        'Bad Request',
        'payload.url: must be an http:// or https:// URL',
      );
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body).toEqual(task);
    });

    it('DELETE answers 204, then the task and its schedule are gone (404) and its runs stay readable', async () => {
      const task = await createTask({ schedule: 'every 2h' });
      const schedule = (await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body;
      const run = (await api().post(`/api/tasks/${task.id}/run`).expect(202)).body;
      await finishedRun(task.id, run.id);

      const deleted = await api().delete(`/api/tasks/${task.id}`).expect(204);
      expect(deleted.text).toBe('');
      expectError(await api().get(`/api/tasks/${task.id}`), 404, 'Not Found', `task ${task.id} not found`);
      expectError(await api().get(`/api/tasks/${task.id}/schedule`), 404, 'Not Found', task.id);
      expectError(await api().delete(`/api/tasks/${task.id}`), 404, 'Not Found', `task ${task.id} not found`);
      expectError(await api().patch(`/api/tasks/${task.id}`).send({ name: 'x' }), 404, 'Not Found', task.id);
      expectError(await api().post(`/api/tasks/${task.id}/run`), 404, 'Not Found', task.id);
      const schedules = (await allSchedules()) as { id: string; taskId: string }[];
      expect(schedules.find((item) => item.id === schedule.id || item.taskId === task.id)).toBeUndefined();
      expect(((await allTasks()) as { id: string }[]).map((item) => item.id)).not.toContain(task.id);

      const runs = await api().get(`/api/tasks/${task.id}/runs`).expect(200);
      expect(runs.body.items).toEqual([expect.objectContaining({ id: run.id, status: 'succeeded' })]);
    });
  });

  describe('POST /api/tasks/{id}/run and GET /api/tasks/{id}/runs', () => {
    it('answers 202 with a manual run that then succeeds and becomes task.lastRun', async () => {
      const task = await createTask({ schedule: 'every 3h' });
      const before = Date.now();
      const response = await api().post(`/api/tasks/${task.id}/run`).expect(202);
      expect(response.body).toEqual({
        id: expect.stringMatching(UUID),
        taskId: task.id,
        scheduleId: null,
        trigger: 'manual',
        scheduledFor: expect.stringMatching(ISO),
        // Its start is recorded before the handler runs (a crash leaves it interrupted).
        startedAt: response.body.scheduledFor,
        finishedAt: null,
        durationMs: null,
        status: 'running',
        attempt: 1,
        chainDepth: 0,
        error: null,
        result: null,
        instanceId: expect.any(String),
      });
      expect(Math.abs(Date.parse(response.body.scheduledFor) - before)).toBeLessThan(5_000);

      const run = await finishedRun(task.id, response.body.id);
      expect(run).toMatchObject({
        id: response.body.id,
        trigger: 'manual',
        scheduleId: null,
        status: 'succeeded',
        error: null,
        startedAt: expect.stringMatching(ISO),
        finishedAt: expect.stringMatching(ISO),
        durationMs: expect.any(Number),
      });
      const fetched = await api().get(`/api/tasks/${task.id}`).expect(200);
      expect(fetched.body.status).toBe('idle');
      expect(fetched.body.lastRun).toEqual({ id: run.id, status: 'succeeded', finishedAt: run.finishedAt });
      // A manual run leaves the schedule's plan alone.
      expect(fetched.body.nextRunAt).toBe(task.nextRunAt);
    });

    it('runs the http handler: the webhook gets the run identity; a 500 answer fails the run', async () => {
      webhook.respond = (call) =>
        call.path === '/broken' ? { status: 500, body: 'down' } : { status: 200, body: '{"ok":true}' };
      const good = await createTask({
        handler: 'http',
        payload: { url: `${webhook.url}/good`, body: { hello: 'world' } },
      });
      const goodRun = (await api().post(`/api/tasks/${good.id}/run`).expect(202)).body;
      const succeeded = await finishedRun(good.id, goodRun.id);
      expect(succeeded).toMatchObject({ status: 'succeeded', result: { status: 200, body: { ok: true } } });
      const [call] = webhook.callsTo('/good');
      expect(call.method).toBe('POST');
      expect(JSON.parse(call.body)).toEqual({ hello: 'world' });
      expect(call.headers).toMatchObject({
        'x-scout-task-id': good.id,
        'x-scout-run-id': goodRun.id,
        'idempotency-key': goodRun.id,
        'x-scout-scheduled-for': goodRun.scheduledFor,
      });

      const bad = await createTask({ handler: 'http', payload: { url: `${webhook.url}/broken` } });
      const badRun = (await api().post(`/api/tasks/${bad.id}/run`).expect(202)).body;
      const failed = await finishedRun(bad.id, badRun.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/500/);
      expectNoLeak(JSON.stringify(failed));
      const task = (await api().get(`/api/tasks/${bad.id}`).expect(200)).body;
      expect(task.lastRun).toEqual({ id: badRun.id, status: 'failed', finishedAt: failed.finishedAt });
    });

    it('shows status running while a run is going, then idle with the run as lastRun', async () => {
      webhook.respond = (call) =>
        call.path === '/slow' ? { status: 200, body: '{}', delayMs: 1_500 } : { status: 200, body: '{}' };
      const task = await createTask({ handler: 'http', payload: { url: `${webhook.url}/slow` } });
      const run = (await api().post(`/api/tasks/${task.id}/run`).expect(202)).body;
      const running = await waitFor(
        async () => {
          const { body } = await api().get(`/api/tasks/${task.id}`).expect(200);
          return body.status === 'running' ? body : undefined;
        },
        5_000,
        'the task to show running',
      );
      expect(running.lastRun).toEqual({ id: run.id, status: 'running', finishedAt: null });
      await finishedRun(task.id, run.id);
      const idle = (await api().get(`/api/tasks/${task.id}`).expect(200)).body;
      expect(idle).toMatchObject({ status: 'idle', lastRun: { id: run.id, status: 'succeeded' } });
    });

    it('lists runs newest first, paginated with limit and before (a cursor or an ISO instant)', async () => {
      const task = await createTask();
      const ids: string[] = [];
      for (let index = 0; index < 3; index++) {
        const run = (await api().post(`/api/tasks/${task.id}/run`).expect(202)).body;
        await finishedRun(task.id, run.id);
        ids.push(run.id);
      }
      const all = await api().get(`/api/tasks/${task.id}/runs`).expect(200);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.items.map((run: { id: string }) => run.id)).toEqual([...ids].reverse());

      const first = await api().get(`/api/tasks/${task.id}/runs`).query({ limit: 2 }).expect(200);
      expect(first.body.items).toEqual(all.body.items.slice(0, 2));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await api()
        .get(`/api/tasks/${task.id}/runs`)
        .query({ limit: 2, before: first.body.nextCursor })
        .expect(200);
      expect(second.body).toEqual({ items: all.body.items.slice(2), nextCursor: null });

      const newest = all.body.items[0];
      const beforeNewest = await api()
        .get(`/api/tasks/${task.id}/runs`)
        .query({ before: newest.scheduledFor })
        .expect(200);
      expect(beforeNewest.body.items.map((run: { id: string }) => run.id)).not.toContain(newest.id);
      expect(beforeNewest.body.items.length).toBeGreaterThanOrEqual(1);

      const none = await createTask();
      expect((await api().get(`/api/tasks/${none.id}/runs`).expect(200)).body).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it.each([
      [{ limit: 0 }, 'limit must not be less than 1'],
      [{ limit: 501 }, 'limit must not be greater than 500'],
      [{ limit: 1.5 }, 'limit must be an integer'],
      [{ before: 'yesterday' }, 'before: not a cursor returned by this API'],
      [{ before: '2027-13-45T99:00:00Z' }, 'before'],
      [{ cursor: 'x' }, 'property cursor should not exist'],
    ])('refuses the runs query %j with a 400', async (query, message) => {
      const task = await createTask();
      expectError(await api().get(`/api/tasks/${task.id}/runs`).query(query), 400, 'Bad Request', message);
    });
  });

  describe('validation: every refused request stores nothing', () => {
    let existing: Task;

    beforeAll(async () => {
      existing = await createTask({ name: 'untouched', description: 'keep me', payload: { keep: true } });
    });

    const longPayload = { blob: 'x'.repeat(65 * 1024) };
    const badCreates: [string, unknown, string | RegExp][] = [
      ['missing name', { description: 'no name' }, 'name is required'],
      ['an empty name', { name: '' }, 'name must be longer than or equal to 1 characters'],
      ['a name of 201 characters', { name: 'n'.repeat(201) }, 'name must be shorter than or equal to 200'],
      ['a name that is not a string', { name: 42 }, 'name must be a string'],
      ['an unknown field', { name: 'x', colour: 'red' }, 'property colour should not exist'],
      ['a payload that is an array', { name: 'x', payload: [1, 2] }, 'payload must be an object'],
      ['a payload that is a string', { name: 'x', payload: 'text' }, 'payload must be an object'],
      ['a payload over 64 KiB', { name: 'x', payload: longPayload }, 'payload: must be at most 64 KiB'],
      [
        'an unknown handler',
        { name: 'x', handler: 'nope' },
        'handler: unknown handler "nope"; registered handlers are http, noop',
      ],
      ['a malformed handler name', { name: 'x', handler: 'no pe!' }, 'handler must be a handler name'],
      ['the http handler without payload', { name: 'x', handler: 'http' }, 'payload: the http handler needs'],
      [
        'the http handler without payload.url',
        { name: 'x', handler: 'http', payload: { method: 'POST' } },
        'payload.url: must be an http:// or https:// URL',
      ],
      [
        'the http handler with a non-http URL',
        { name: 'x', handler: 'http', payload: { url: 'ftp://example.com/file' } },
        'payload.url: must be an http:// or https:// URL',
      ],
      [
        'the http handler with a bad method',
        { name: 'x', handler: 'http', payload: { url: 'http://example.com', method: 'BREW' } },
        'payload.method: must be one of',
      ],
      [
        'an invalid schedule',
        { name: 'x', schedule: 'cron:61 * * * *' },
        'minute field: 61 is out of range 0-59',
      ],
      [
        'a schedule in the past',
        { name: 'x', schedule: 'at:2001-01-01T00:00:00Z' },
        'at: time is in the past',
      ],
      ['a schedule that is not a spec', { name: 'x', schedule: 'sometimes' }, 'is not a schedule spec'],
      ['an empty schedule', { name: 'x', schedule: '' }, 'schedule must be longer than or equal to 1'],
    ];

    it.each(badCreates)(
      'POST /api/tasks with %s is a 400 naming the field',
      async (_label, body, message) => {
        await expectNothingChanged(async () => {
          expectError(
            await api()
              .post('/api/tasks')
              .send(body as object),
            400,
            'Bad Request',
            message,
          );
        });
      },
    );

    it('POST /api/tasks with a body that is not JSON is a 400', async () => {
      await expectNothingChanged(async () => {
        const response = await api()
          .post('/api/tasks')
          .set('content-type', 'application/json')
          .send('{"name": "broken",');
        expectError(response, 400, 'Bad Request', /JSON/);
      });
    });

    it('POST /api/tasks with a JSON array or a bare string as the body is a 400', async () => {
      await expectNothingChanged(async () => {
        const array = await api().post('/api/tasks').set('content-type', 'application/json').send('[1,2]');
        expect(array.status).toBe(400);
        expectNoLeak(array.text);
        const text = await api().post('/api/tasks').set('content-type', 'application/json').send('"name"');
        expect(text.status).toBe(400);
        expectNoLeak(text.text);
      });
    });

    it('POST /api/tasks with a body over 1 MiB is a 413', async () => {
      await expectNothingChanged(async () => {
        const body = { name: 'big', payload: { blob: 'x'.repeat(1024 * 1024 + 10) } };
        expectError(await api().post('/api/tasks').send(body), 413, 'Payload Too Large', /too large|1 MiB/);
      });
    });

    const badPatches: [string, unknown, string][] = [
      ['an empty name', { name: '' }, 'name must be longer than or equal to 1 characters'],
      ['a name of 201 characters', { name: 'n'.repeat(201) }, 'name must be shorter than or equal to 200'],
      ['an unknown field', { colour: 'red' }, 'property colour should not exist'],
      ['a schedule (not patchable)', { schedule: 'every 1h' }, 'property schedule should not exist'],
      ['a payload that is an array', { payload: [1] }, 'payload must be an object'],
      ['a payload over 64 KiB', { handler: 'noop', payload: longPayload }, 'payload: must be at most 64 KiB'],
      ['an unknown handler', { handler: 'nope' }, 'registered handlers are http, noop'],
      [
        'the http handler with a payload without url',
        { handler: 'http', payload: { method: 'GET' } },
        'payload.url: must be an http://',
      ],
      [
        'the http handler with a non-http URL',
        { handler: 'http', payload: { url: 'file:///etc/passwd' } },
        'payload.url: must be an http:// or https:// URL',
      ],
    ];

    it.each(badPatches)('PATCH /api/tasks/{id} with %s is a 400', async (_label, body, message) => {
      await expectNothingChanged(async () => {
        expectError(
          await api()
            .patch(`/api/tasks/${existing.id}`)
            .send(body as object),
          400,
          'Bad Request',
          message,
        );
      });
      expect((await api().get(`/api/tasks/${existing.id}`).expect(200)).body).toEqual(existing);
    });

    it('PATCH with a body that is not JSON is a 400, over 1 MiB a 413', async () => {
      await expectNothingChanged(async () => {
        expectError(
          await api()
            .patch(`/api/tasks/${existing.id}`)
            .set('content-type', 'application/json')
            .send('{oops'),
          400,
          'Bad Request',
          /JSON/,
        );
        expectError(
          await api()
            .patch(`/api/tasks/${existing.id}`)
            .send({ description: 'd'.repeat(1024 * 1024 + 10) }),
          413,
          'Payload Too Large',
          /too large|1 MiB/,
        );
      });
    });

    const requests: [string, string, string][] = [
      ['GET', '/api/tasks/:id', 'id'],
      ['PATCH', '/api/tasks/:id', 'id'],
      ['DELETE', '/api/tasks/:id', 'id'],
      ['POST', '/api/tasks/:id/run', 'id'],
      ['GET', '/api/tasks/:id/runs', 'id'],
      ['POST', '/api/tasks/:id/schedule', 'taskId'],
      ['GET', '/api/tasks/:id/schedule', 'taskId'],
      ['DELETE', '/api/tasks/:id/schedule', 'taskId'],
      ['POST', '/api/tasks/:id/schedule/pause', 'taskId'],
      ['POST', '/api/tasks/:id/schedule/resume', 'taskId'],
    ];
    const send = (method: string, path: string) => {
      const agent = api();
      const call =
        method === 'GET'
          ? agent.get(path)
          : method === 'PATCH'
            ? agent.patch(path).send({ name: 'renamed' })
            : method === 'DELETE'
              ? agent.delete(path)
              : agent.post(path).send(path.endsWith('/schedule') ? { schedule: 'every 1h' } : {});
      return call;
    };

    it.each(requests)('%s %s with a non-UUID id is a 400 "%s must be a UUID"', async (method, path, name) => {
      await expectNothingChanged(async () => {
        for (const id of ['not-a-uuid', '123', "1' OR '1'='1"]) {
          const response = await send(method, path.replace(':id', encodeURIComponent(id)));
          expectError(response, 400, 'Bad Request', `${name} must be a UUID`);
        }
      });
    });

    it.each(requests)('%s %s with an unknown UUID is a 404', async (method, path) => {
      const id = randomUUID();
      await expectNothingChanged(async () => {
        expectError(await send(method, path.replace(':id', id)), 404, 'Not Found', id);
      });
    });
  });

  describe('unknown routes and error hygiene', () => {
    it.each([
      ['GET', '/api/nope'],
      ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000/bogus'],
      ['PUT', '/api/tasks'],
      ['DELETE', '/api/schedules'],
      ['POST', '/nope'],
    ])('%s %s is a 404 JSON error', async (method, path) => {
      const agent = api();
      const response =
        method === 'GET'
          ? await agent.get(path)
          : method === 'PUT'
            ? await agent.put(path).send({})
            : method === 'DELETE'
              ? await agent.delete(path)
              : await agent.post(path).send({});
      expectError(response, 404, 'Not Found', `Cannot ${method} ${path}`);
    });

    it('never answers a bad input with a 500', async () => {
      const task = await createTask();
      const attempts = [
        api()
          .get('/api/tasks')
          .query({ cursor: Buffer.from('2027-01-01T00:00:00Z|zzz').toString('base64url') }),
        api()
          .get(`/api/tasks/${task.id}/runs`)
          .query({
            before: Buffer.from('not a date|00000000-0000-0000-0000-000000000000').toString('base64url'),
          }),
        api().post('/api/tasks').set('content-type', 'text/plain').send('name=x'),
        api()
          .post('/api/tasks')
          .send({ name: ['a', 'b'] }),
        api()
          .post('/api/tasks')
          .send({ name: { $gt: '' } }),
      ];
      for (const attempt of attempts) {
        const response = await attempt;
        // 415 for the text/plain body, 400 for the rest.
        expect([400, 415]).toContain(response.status);
        expectNoLeak(response.text);
      }
    });

    // Regression: PostgreSQL refuses U+0000; it used to surface as a 500.
    it('refuses a NUL character in name, description or payload with a 400, not a 500', async () => {
      await expectNothingChanged(async () => {
        for (const body of [
          { name: 'a\u0000b' },
          { name: 'x', description: 'a\u0000b' },
          { name: 'x', payload: { '\u0000': 'nul key' } },
          { name: 'x', payload: { text: 'nul \u0000 value' } },
        ]) {
          const response = await api().post('/api/tasks').send(body);
          expect(response.status).toBe(400);
          expectNoLeak(response.text);
        }
      });
    });
  });
});
