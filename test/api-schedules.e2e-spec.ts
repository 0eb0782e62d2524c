import type { TaskView as Task, TaskRunView as Run } from '../src/api/contract';
import { expectError } from './support/error-assertions';
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { DateTime } from 'luxon';
import request from 'supertest';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor, WebhookServer } from './support/webhook-server';

/** The REST contract for schedules and events (`docs/API.md`), over the real HTTP server. */

// Starting the app on an embedded database takes a few seconds; runs are awaited by polling.
jest.setTimeout(30_000);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Response bodies as `docs/API.md` describes them. */
interface Schedule {
  id: string;
  taskId: string;
  schedule: string;
  text: string | null;
  type: string;
  description: string;
  timezone: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  paused: boolean;
  misfirePolicy: string;
  misfireGraceSeconds: number;
  overlapPolicy: string;
  timeoutSeconds: number | null;
  maxRetries: number;
  retryBackoffSeconds: number;
  jitterSeconds: number;
  startAt: string | null;
  endAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An ISO instant `ms` from now, on a whole second. */
function fromNow(ms: number): string {
  return new Date(Math.floor((Date.now() + ms) / 1000) * 1000).toISOString();
}

describe.each(DATABASE_KINDS)('REST API: schedules and events on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let webhook: WebhookServer;
  const api = () => request(service.url);

  async function createTask(body: Record<string, unknown> = {}): Promise<Task> {
    const response = await api()
      .post('/api/tasks')
      .send({ name: `task ${randomUUID().slice(0, 8)}`, ...body });
    expect(response.status).toBe(201);
    return response.body;
  }

  async function schedule(taskId: string, body: Record<string, unknown>): Promise<Schedule> {
    const response = await api().post(`/api/tasks/${taskId}/schedule`).send(body);
    expect(response.status).toBe(201);
    return response.body;
  }

  async function allTasks(): Promise<Task[]> {
    const { body } = await api().get('/api/tasks').query({ limit: 500 }).expect(200);
    expect(body.nextCursor).toBeNull();
    return body.items;
  }

  async function allSchedules(): Promise<Schedule[]> {
    const { body } = await api().get('/api/schedules').query({ limit: 500 }).expect(200);
    expect(body.nextCursor).toBeNull();
    return body.items;
  }

  /** What a refused request must not change (fields the scheduler itself moves are left out). */
  async function storedState(): Promise<unknown> {
    const tasks = (await allTasks()).map(({ id, name, description, handler, payload, updatedAt }) => ({
      id,
      name,
      description,
      handler,
      payload,
      updatedAt,
    }));
    const schedules = (await allSchedules()).map(({ id, taskId, schedule: spec, paused, updatedAt }) => ({
      id,
      taskId,
      spec,
      paused,
      updatedAt,
    }));
    return { tasks, schedules };
  }

  async function runsOf(taskId: string): Promise<Run[]> {
    const { body } = await api().get(`/api/tasks/${taskId}/runs`).expect(200);
    return body.items;
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

  describe('POST /api/tasks/{taskId}/schedule: every form', () => {
    // On a whole minute, so the description shows HH:mm.
    const at = new Date(Math.floor((Date.now() + 2 * DAY) / MINUTE) * MINUTE).toISOString();
    const forms: [string, () => string, string, string | RegExp, (next: number, now: number) => void][] = [
      [
        'cron 5 fields',
        () => 'cron:*/5 * * * *',
        'cron',
        'Every 5 minutes',
        (next, now) => {
          expect(next).toBeGreaterThan(now - 1_000);
          expect(next).toBeLessThanOrEqual(now + 5 * MINUTE);
          expect(next % (5 * MINUTE)).toBe(0);
        },
      ],
      [
        'cron 6 fields (seconds first)',
        () => 'cron:0 30 2 * * *',
        'cron',
        'At 02:30 every day',
        (next, now) => {
          expect(next).toBeGreaterThan(now);
          expect(next).toBeLessThanOrEqual(now + DAY);
          expect(new Date(next).toISOString().slice(11)).toBe('02:30:00.000Z');
        },
      ],
      [
        'interval "every 30m"',
        () => 'every 30m',
        'interval',
        'Every 30 minutes',
        (next, now) => expect(Math.abs(next - (now + 30 * MINUTE))).toBeLessThan(5_000),
      ],
      [
        'interval "every:1h30m"',
        () => 'every:1h30m',
        'interval',
        'Every 1 hour 30 minutes',
        (next, now) => expect(Math.abs(next - (now + 90 * MINUTE))).toBeLessThan(5_000),
      ],
      [
        'once "at:<future ISO>"',
        () => `at:${at}`,
        'once',
        `Once at ${at.slice(0, 10)} ${at.slice(11, 16)} UTC`,
        (next) => expect(next).toBe(Date.parse(at)),
      ],
      [
        'once "in:1h"',
        () => 'in:1h',
        'once',
        /^Once at \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC$/,
        (next, now) => expect(Math.abs(next - (now + HOUR))).toBeLessThan(5_000),
      ],
    ];

    it.each(forms)(
      '%s → 201 with type, description and nextRunAt',
      async (_label, spec, type, description, check) => {
        const task = await createTask();
        const now = Date.now();
        const created = await schedule(task.id, { schedule: spec() });
        expect(created).toEqual({
          id: expect.stringMatching(UUID),
          taskId: task.id,
          schedule: spec(),
          text: null,
          type,
          description: typeof description === 'string' ? description : expect.stringMatching(description),
          timezone: 'UTC',
          nextRunAt: expect.stringMatching(ISO),
          lastRunAt: null,
          paused: false,
          misfirePolicy: 'run_once',
          misfireGraceSeconds: 60,
          overlapPolicy: 'skip',
          timeoutSeconds: null,
          maxRetries: 0,
          retryBackoffSeconds: 10,
          jitterSeconds: 0,
          startAt: null,
          endAt: null,
          createdAt: expect.stringMatching(ISO),
          updatedAt: expect.stringMatching(ISO),
        });
        check(Date.parse(created.nextRunAt!), now);
        // What POST answered is what is stored, and the task shows the same next fire.
        const fetched = await api().get(`/api/tasks/${task.id}/schedule`).expect(200);
        expect({ ...fetched.body, nextRunAt: null, lastRunAt: null, updatedAt: null }).toEqual({
          ...created,
          nextRunAt: null,
          lastRunAt: null,
          updatedAt: null,
        });
        const fetchedTask = await api().get(`/api/tasks/${task.id}`).expect(200);
        expect(fetchedTask.body.nextRunAt).toBe(fetched.body.nextRunAt);
      },
    );

    it('on:<event> → 201 type event, nextRunAt null', async () => {
      const task = await createTask();
      const created = await schedule(task.id, { schedule: 'on:deploy' });
      expect(created).toMatchObject({
        taskId: task.id,
        schedule: 'on:deploy',
        type: 'event',
        description: 'On event "deploy"',
        nextRunAt: null,
        paused: false,
        misfirePolicy: 'run_once',
        misfireGraceSeconds: 60,
        overlapPolicy: 'skip',
      });
      expect((await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body).toEqual(created);
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body.nextRunAt).toBeNull();
    });

    it('after:<other task id> → 201 type chain, nextRunAt null', async () => {
      const parent = await createTask({ name: 'parent' });
      const child = await createTask({ name: 'child' });
      const created = await schedule(child.id, { schedule: `after:${parent.id}` });
      expect(created).toMatchObject({
        taskId: child.id,
        schedule: `after:${parent.id}`,
        type: 'chain',
        description: `After each successful run of task ${parent.id}`,
        nextRunAt: null,
        paused: false,
        misfirePolicy: 'run_once',
        overlapPolicy: 'skip',
        misfireGraceSeconds: 60,
      });
      expect((await api().get(`/api/tasks/${child.id}/schedule`).expect(200)).body).toEqual(created);
    });

    it('POST /api/tasks with a schedule creates it with the default options', async () => {
      const task = await createTask({ schedule: 'every 2h' });
      const fetched = await api().get(`/api/tasks/${task.id}/schedule`).expect(200);
      expect(fetched.body).toMatchObject({
        taskId: task.id,
        schedule: 'every 2h',
        type: 'interval',
        description: 'Every 2 hours',
        nextRunAt: task.nextRunAt,
        misfirePolicy: 'run_once',
        overlapPolicy: 'skip',
        misfireGraceSeconds: 60,
      });
    });
  });

  describe('schedule options and replacement', () => {
    it('stores and returns every option', async () => {
      const task = await createTask();
      const startAt = fromNow(3 * DAY);
      const endAt = fromNow(30 * DAY);
      const options = {
        timezone: 'Europe/Berlin',
        misfirePolicy: 'run_all',
        misfireGraceSeconds: 300,
        overlapPolicy: 'queue',
        timeoutSeconds: 30,
        maxRetries: 3,
        retryBackoffSeconds: 5,
        jitterSeconds: 10,
      };
      const created = await schedule(task.id, { schedule: 'every 1h', ...options, startAt, endAt });
      expect(created).toMatchObject({ ...options, startAt, endAt, schedule: 'every 1h', paused: false });
      // An interval with startAt fires first at startAt.
      expect(created.nextRunAt).toBe(startAt);
      expect((await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body).toEqual(created);
      const listed = (await allSchedules()).find((item) => item.id === created.id);
      expect(listed).toEqual(created);
    });

    it('reads cron fields and offset-less times in the schedule time zone', async () => {
      const task = await createTask();
      const created = await schedule(task.id, {
        schedule: 'cron:0 9 * * *',
        timezone: 'America/New_York',
        startAt: '2030-01-01T09:00:00',
      });
      expect(created.timezone).toBe('America/New_York');
      expect(created.description).toMatch(/^At 09:00 every day \(America\/New_York\)/);
      expect(created.startAt).toBe('2030-01-01T14:00:00.000Z');
      expect(created.nextRunAt).toBe('2030-01-01T14:00:00.000Z');
      const local = DateTime.fromISO(created.nextRunAt!, { zone: 'America/New_York' });
      expect([local.hour, local.minute]).toEqual([9, 0]);
    });

    it('POST again replaces the schedule: a new id, GET returns the new one, one schedule per task', async () => {
      const task = await createTask();
      const first = await schedule(task.id, { schedule: 'every 1h', maxRetries: 2 });
      const second = await schedule(task.id, { schedule: 'cron:0 4 * * *' });
      expect(second.id).not.toBe(first.id);
      expect(second).toMatchObject({ schedule: 'cron:0 4 * * *', type: 'cron', maxRetries: 0 });
      expect((await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body).toEqual(second);
      const mine = (await allSchedules()).filter((item) => item.taskId === task.id);
      expect(mine).toEqual([second]);
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body.nextRunAt).toBe(second.nextRunAt);
      const third = await schedule(task.id, { schedule: 'on:replaced' });
      expect((await allSchedules()).filter((item) => item.taskId === task.id)).toEqual([third]);
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body.nextRunAt).toBeNull();
    });
  });

  describe('refused specs and options', () => {
    let task: Task;
    let other: Task;
    let current: Schedule;

    beforeAll(async () => {
      task = await createTask({ name: 'keeps its schedule' });
      other = await createTask({ name: 'other' });
      current = await schedule(task.id, { schedule: 'every 1h', maxRetries: 1 });
    });

    const cases: [string, (self: string) => Record<string, unknown>, string | RegExp][] = [
      ['minute 61', () => ({ schedule: 'cron:61 * * * *' }), 'minute field: 61 is out of range 0-59'],
      ['hour 24', () => ({ schedule: 'cron:0 24 * * *' }), 'hour field: 24 is out of range 0-23'],
      ['three cron fields', () => ({ schedule: 'cron:* * *' }), 'cron: got 3 fields'],
      ['every 0s', () => ({ schedule: 'every 0s' }), 'every: interval must be at least 1s'],
      ['every 500ms', () => ({ schedule: 'every 500ms' }), /^every: /],
      ['every with no unit', () => ({ schedule: 'every 30' }), 'every: "30" is not a duration'],
      ['in:0s', () => ({ schedule: 'in:0s' }), 'in: delay must be at least 1s'],
      ['at: in the past', () => ({ schedule: 'at:2001-01-01T00:00:00Z' }), 'at: time is in the past'],
      ['at: not a date', () => ({ schedule: 'at:tomorrow' }), 'at: "tomorrow" is not a date and time'],
      ['an unknown form', () => ({ schedule: 'sometimes' }), 'is not a schedule spec'],
      ['on: a bad event name', () => ({ schedule: 'on:bad name!' }), 'on: "bad name!" is not an event name'],
      ['after: not a UUID', () => ({ schedule: 'after:nope' }), 'after: "nope" is not a task id'],
      ['after: an unknown task', () => ({ schedule: `after:${randomUUID()}` }), 'after: unknown task'],
      ['after: itself', (self) => ({ schedule: `after:${self}` }), 'after: a task cannot follow itself'],
      [
        'an unknown time zone',
        () => ({ schedule: 'every 1h', timezone: 'Mars/Olympus' }),
        'timezone: "Mars/Olympus" is not an IANA time zone',
      ],
      [
        'endAt before startAt',
        () => ({ schedule: 'every 1h', startAt: fromNow(2 * DAY), endAt: fromNow(DAY) }),
        'endAt: must be after startAt',
      ],
      [
        'endAt in the past',
        () => ({ schedule: 'every 1h', endAt: '2001-01-01T00:00:00Z' }),
        'endAt: is in the past',
      ],
      [
        'startAt not ISO',
        () => ({ schedule: 'every 1h', startAt: 'next week' }),
        'startAt must be a valid ISO 8601',
      ],
      [
        'misfirePolicy "sometimes"',
        () => ({ schedule: 'every 1h', misfirePolicy: 'sometimes' }),
        'misfirePolicy must be one of the following values: run_once, skip, run_all',
      ],
      [
        'overlapPolicy "never"',
        () => ({ schedule: 'every 1h', overlapPolicy: 'never' }),
        'overlapPolicy must be one of the following values',
      ],
      [
        'timeoutSeconds -1',
        () => ({ schedule: 'every 1h', timeoutSeconds: -1 }),
        'timeoutSeconds must not be less than 0',
      ],
      [
        'timeoutSeconds 1.5',
        () => ({ schedule: 'every 1h', timeoutSeconds: 1.5 }),
        'timeoutSeconds must be an integer',
      ],
      [
        'maxRetries 21',
        () => ({ schedule: 'every 1h', maxRetries: 21 }),
        'maxRetries must not be greater than 20',
      ],
      [
        'retryBackoffSeconds 0',
        () => ({ schedule: 'every 1h', retryBackoffSeconds: 0 }),
        'retryBackoffSeconds must not be less than 1',
      ],
      [
        'jitterSeconds -1',
        () => ({ schedule: 'every 1h', jitterSeconds: -1 }),
        'jitterSeconds must not be less than 0',
      ],
      [
        'misfireGraceSeconds "60"',
        () => ({ schedule: 'every 1h', misfireGraceSeconds: '60' }),
        'misfireGraceSeconds must be an integer',
      ],
      ['no schedule', () => ({ timezone: 'UTC' }), 'schedule or text is required'],
      [
        'both schedule and text',
        () => ({ schedule: 'every 1h', text: 'every hour' }),
        'give either schedule (a spec) or text (plain English), not both',
      ],
      ['an empty text', () => ({ text: '' }), 'text must be longer than or equal to 1'],
      [
        'a text it cannot read',
        () => ({ text: 'every other week on monday' }),
        'understood "every" (repetition)',
      ],
      ['an empty schedule', () => ({ schedule: '' }), 'schedule must be longer than or equal to 1'],
      [
        'a schedule of 501 chars',
        () => ({ schedule: `on:${'a'.repeat(498)}` }),
        'schedule must be shorter than',
      ],
      [
        'an unknown field',
        () => ({ schedule: 'every 1h', priority: 1 }),
        'property priority should not exist',
      ],
    ];

    it.each(cases)('%s → 400 with the reason; the schedule is unchanged', async (_label, body, message) => {
      const before = await storedState();
      expectError(
        await api().post(`/api/tasks/${task.id}/schedule`).send(body(task.id)),
        400,
        'Bad Request',
        message,
      );
      expect((await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body).toEqual(current);
      // A refused schedule on a task without one stores nothing either.
      expectError(
        await api().post(`/api/tasks/${other.id}/schedule`).send(body(other.id)),
        400,
        'Bad Request',
        message,
      );
      expectError(await api().get(`/api/tasks/${other.id}/schedule`), 404, 'Not Found', 'has no schedule');
      expect(await storedState()).toEqual(before);
    });

    it('a body that is not JSON → 400; over 1 MiB → 413; nothing changes', async () => {
      const before = await storedState();
      expectError(
        await api()
          .post(`/api/tasks/${task.id}/schedule`)
          .set('content-type', 'application/json')
          .send('{"schedule":'),
        400,
        'Bad Request',
        /JSON/,
      );
      expectError(
        await api()
          .post(`/api/tasks/${task.id}/schedule`)
          .send({ schedule: 'every 1h', timezone: 'x'.repeat(1024 * 1024 + 10) }),
        413,
        'Payload Too Large',
        /too large|1 MiB/,
      );
      expect((await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body).toEqual(current);
      expect(await storedState()).toEqual(before);
    });

    it('POST /api/tasks with an invalid schedule stores no task', async () => {
      const before = await storedState();
      expectError(
        await api().post('/api/tasks').send({ name: 'never stored', schedule: 'cron:0 0 32 * *' }),
        400,
        'Bad Request',
        'day-of-month field: 32 is out of range 1-31',
      );
      expect(await storedState()).toEqual(before);
    });
  });

  describe('GET, DELETE, pause and resume', () => {
    it('GET schedule of a task without one is a 404', async () => {
      const task = await createTask();
      expectError(
        await api().get(`/api/tasks/${task.id}/schedule`),
        404,
        'Not Found',
        `task ${task.id} has no schedule`,
      );
    });

    it('DELETE → 204, then GET 404 and DELETE again 404; the task stays', async () => {
      const task = await createTask({ schedule: 'every 1h' });
      const current = (await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body;
      const response = await api().delete(`/api/tasks/${task.id}/schedule`).expect(204);
      expect(response.text).toBe('');
      expectError(await api().get(`/api/tasks/${task.id}/schedule`), 404, 'Not Found', 'has no schedule');
      expectError(await api().delete(`/api/tasks/${task.id}/schedule`), 404, 'Not Found', 'has no schedule');
      expect((await allSchedules()).map((item) => item.id)).not.toContain(current.id);
      const fetched = await api().get(`/api/tasks/${task.id}`).expect(200);
      expect(fetched.body).toMatchObject({ id: task.id, nextRunAt: null });
    });

    it('pause → paused, nextRunAt null; resume → active with its next fire; both idempotent', async () => {
      const task = await createTask();
      const created = await schedule(task.id, { schedule: 'every 1h' });

      const paused = await api().post(`/api/tasks/${task.id}/schedule/pause`).expect(200);
      expect(paused.body).toMatchObject({ id: created.id, paused: true, nextRunAt: null });
      expect((await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body).toEqual(paused.body);
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body.nextRunAt).toBeNull();
      const pausedAgain = await api().post(`/api/tasks/${task.id}/schedule/pause`).expect(200);
      expect(pausedAgain.body).toEqual(paused.body);

      const resumed = await api().post(`/api/tasks/${task.id}/schedule/resume`).expect(200);
      expect(resumed.body).toMatchObject({ id: created.id, paused: false });
      expect(Date.parse(resumed.body.nextRunAt)).toBeGreaterThan(Date.now());
      // Still inside its first period, an interval keeps its phase.
      expect(resumed.body.nextRunAt).toBe(created.nextRunAt);
      expect((await api().get(`/api/tasks/${task.id}/schedule`).expect(200)).body).toEqual(resumed.body);
      expect((await api().get(`/api/tasks/${task.id}`).expect(200)).body.nextRunAt).toBe(
        resumed.body.nextRunAt,
      );
      const resumedAgain = await api().post(`/api/tasks/${task.id}/schedule/resume`).expect(200);
      expect(resumedAgain.body).toEqual(resumed.body);
    });

    it('pause and resume a cron schedule: the next fire is in the future after resume', async () => {
      const task = await createTask();
      await schedule(task.id, { schedule: 'cron:0 3 * * *' });
      await api().post(`/api/tasks/${task.id}/schedule/pause`).expect(200);
      const resumed = await api().post(`/api/tasks/${task.id}/schedule/resume`).expect(200);
      expect(resumed.body.paused).toBe(false);
      const next = Date.parse(resumed.body.nextRunAt);
      expect(next).toBeGreaterThan(Date.now());
      expect(next).toBeLessThanOrEqual(Date.now() + DAY);
      expect(resumed.body.nextRunAt.slice(11)).toBe('03:00:00.000Z');
    });

    it('pause and resume without a schedule are 404', async () => {
      const task = await createTask();
      for (const action of ['pause', 'resume']) {
        expectError(
          await api().post(`/api/tasks/${task.id}/schedule/${action}`),
          404,
          'Not Found',
          `task ${task.id} has no schedule`,
        );
      }
    });
  });

  describe('GET /api/schedules', () => {
    beforeAll(async () => {
      for (let index = 0; index < 5; index++) await createTask({ schedule: `every ${index + 2}h` });
    });

    it('lists every schedule oldest first; a page of `limit` has a nextCursor; all fitting → null', async () => {
      const all = await allSchedules();
      expect(all.length).toBeGreaterThanOrEqual(5);
      const sorted = [...all].sort(
        (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id),
      );
      expect(all.map((item) => item.id)).toEqual(sorted.map((item) => item.id));
      for (const item of all) {
        const own = await api().get(`/api/tasks/${item.taskId}/schedule`).expect(200);
        expect(own.body.id).toBe(item.id);
      }
      const first = await api().get('/api/schedules').query({ limit: 2 }).expect(200);
      expect(first.body.items.map((item: Schedule) => item.id)).toEqual(
        all.slice(0, 2).map((item) => item.id),
      );
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const exact = await api().get('/api/schedules').query({ limit: all.length }).expect(200);
      expect(exact.body.items.map((item: Schedule) => item.id)).toEqual(all.map((item) => item.id));
      expect(exact.body.nextCursor).toBeNull();
    });

    // Regression: cursors held created_at in ms while PostgreSQL kept µs, so pages repeated items.
    it('pages by 2 with cursor: the second page follows the first, each schedule once, last nextCursor null', async () => {
      const ids = (await allSchedules()).map((item) => item.id);
      const first = await api().get('/api/schedules').query({ limit: 2 }).expect(200);
      const second = await api()
        .get('/api/schedules')
        .query({ limit: 2, cursor: first.body.nextCursor })
        .expect(200);
      expect(second.body.items.map((item: Schedule) => item.id)).toEqual(ids.slice(2, 4));
      const seen: string[] = [];
      let cursor: string | undefined;
      let nextCursor: string | null = 'start';
      for (let page = 0; page <= ids.length && nextCursor !== null; page++) {
        const { body } = await api()
          .get('/api/schedules')
          .query(cursor ? { limit: 2, cursor } : { limit: 2 })
          .expect(200);
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((item: Schedule) => item.id));
        nextCursor = body.nextCursor;
        cursor = body.nextCursor ?? undefined;
      }
      expect(seen).toEqual(ids);
      expect(nextCursor).toBeNull();
    });

    it.each([
      [{ limit: 0 }, 'limit must not be less than 1'],
      [{ limit: 501 }, 'limit must not be greater than 500'],
      [{ cursor: 'garbage' }, 'cursor: not a cursor returned by this API'],
      [{ before: 'x' }, 'property before should not exist'],
    ])('refuses %j with a 400', async (query, message) => {
      expectError(await api().get('/api/schedules').query(query), 400, 'Bad Request', message);
    });
  });

  describe('events and chains', () => {
    it('POST /api/events/{name} → 202 with one run per task scheduled on:<name>', async () => {
      const first = await createTask({ name: 'on build 1' });
      const second = await createTask({ name: 'on build 2' });
      const elsewhere = await createTask({ name: 'on other' });
      const paused = await createTask({ name: 'on build, paused' });
      const firstSchedule = await schedule(first.id, { schedule: 'on:build.done' });
      const secondSchedule = await schedule(second.id, { schedule: 'on:build.done' });
      await schedule(elsewhere.id, { schedule: 'on:build.failed' });
      await schedule(paused.id, { schedule: 'on:build.done' });
      await api().post(`/api/tasks/${paused.id}/schedule/pause`).expect(200);

      const before = Date.now();
      const response = await api()
        .post('/api/events/build.done')
        .send({ payload: { commit: 'abc' } })
        .expect(202);
      expect(response.body.event).toBe('build.done');
      expect(response.body.runs).toHaveLength(2);
      const byTask = new Map((response.body.runs as Run[]).map((run) => [run.taskId, run]));
      expect(byTask.get(first.id)).toMatchObject({
        id: expect.stringMatching(UUID),
        scheduleId: firstSchedule.id,
        trigger: 'event',
        attempt: 1,
      });
      expect(byTask.get(second.id)).toMatchObject({ scheduleId: secondSchedule.id, trigger: 'event' });
      const firstRun = byTask.get(first.id)!;
      expect(Math.abs(Date.parse(firstRun.scheduledFor) - before)).toBeLessThan(5_000);

      for (const run of response.body.runs) {
        await waitFor(
          async () =>
            (await runsOf(run.taskId)).find((item) => item.id === run.id && item.status === 'succeeded'),
          10_000,
          `event run of ${run.taskId} to succeed`,
        );
      }
      expect(await runsOf(elsewhere.id)).toEqual([]);
      expect(await runsOf(paused.id)).toEqual([]);
      const task = (await api().get(`/api/tasks/${first.id}`).expect(200)).body;
      expect(task.lastRun).toMatchObject({ id: firstRun.id, status: 'succeeded' });
      const fired = (await api().get(`/api/tasks/${first.id}/schedule`).expect(200)).body;
      expect(fired.lastRunAt).toEqual(expect.stringMatching(ISO));
    });

    it('an event nobody listens to → 202 with no runs; no body is fine', async () => {
      const response = await api().post('/api/events/nobody-listens').expect(202);
      expect(response.body).toEqual({ event: 'nobody-listens', runs: [] });
      const other = await api().post('/api/events/build.failed.never').send({}).expect(202);
      expect(other.body).toEqual({ event: 'build.failed.never', runs: [] });
    });

    it('an invalid event name or body → 400, and no run starts', async () => {
      const listener = await createTask();
      await schedule(listener.id, { schedule: 'on:guarded' });
      expectError(
        await api()
          .post(`/api/events/${encodeURIComponent('bad name!')}`)
          .send({}),
        400,
        'Bad Request',
        'event name "bad name!" is not valid',
      );
      expectError(
        await api()
          .post(`/api/events/${'e'.repeat(201)}`)
          .send({}),
        400,
        'Bad Request',
        'is not valid',
      );
      expectError(
        await api().post('/api/events/guarded').send({ payload: 1, extra: true }),
        400,
        'Bad Request',
        'property extra should not exist',
      );
      expectError(
        await api().post('/api/events/guarded').set('content-type', 'application/json').send('{nope'),
        400,
        'Bad Request',
        /JSON/,
      );
      expect(await runsOf(listener.id)).toEqual([]);
    });

    it('after:<taskA>: a successful run of A starts a chain run of B', async () => {
      const parent = await createTask({ name: 'A' });
      const child = await createTask({ name: 'B' });
      const chain = await schedule(child.id, { schedule: `after:${parent.id}` });
      const parentRun = (await api().post(`/api/tasks/${parent.id}/run`).expect(202)).body;
      const childRun = await waitFor(
        async () =>
          (await runsOf(child.id)).find((run) => run.trigger === 'chain' && run.status === 'succeeded'),
        10_000,
        'the chained run of B',
      );
      expect(childRun).toMatchObject({
        taskId: child.id,
        scheduleId: chain.id,
        trigger: 'chain',
        attempt: 1,
      });
      const finishedParent = (await runsOf(parent.id)).find((run) => run.id === parentRun.id);
      expect(finishedParent?.status).toBe('succeeded');
      // The chained fire is keyed by the moment the parent finished.
      expect(childRun.scheduledFor).toBe(finishedParent?.finishedAt);
      expect(await runsOf(child.id)).toHaveLength(1);
    });

    it('after:<taskA>: a failed run of A starts nothing', async () => {
      webhook.respond = () => ({ status: 500, body: 'no' });
      const parent = await createTask({
        name: 'failing A',
        handler: 'http',
        payload: { url: `${webhook.url}/fail` },
      });
      const child = await createTask({ name: 'B of failing A' });
      await schedule(child.id, { schedule: `after:${parent.id}` });
      const parentRun = (await api().post(`/api/tasks/${parent.id}/run`).expect(202)).body;
      await waitFor(
        async () =>
          (await runsOf(parent.id)).find((run) => run.id === parentRun.id && run.status === 'failed'),
        10_000,
        'the run of A to fail',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await runsOf(child.id)).toEqual([]);
    });
  });
});
