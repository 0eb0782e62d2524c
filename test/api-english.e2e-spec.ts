import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import request from 'supertest';
import { expectError } from './support/error-assertions';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

/** Schedules in plain English (`text` beside `schedule`), over the real HTTP server. */

jest.setTimeout(30_000);

const HOUR = 3_600_000;

describe.each(DATABASE_KINDS)('REST API: plain-English schedules on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  const api = () => request(service.url);
  const name = () => `english ${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp(database.env);
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  /** Everything stored: a refused request must leave it as it was. */
  async function storedState(): Promise<unknown> {
    const tasks = await api().get('/api/tasks').query({ limit: 500 }).expect(200);
    const schedules = await api().get('/api/schedules').query({ limit: 500 }).expect(200);
    return { tasks: tasks.body.items, schedules: schedules.body.items };
  }

  describe('GET /api/schedules/preview?text=', () => {
    it('reads a recurring phrase in the requested zone and answers spec, description and next times', async () => {
      const { body } = await api()
        .get('/api/schedules/preview')
        .query({
          text: 'every weekday at 9am',
          timezone: 'Europe/Berlin',
          from: '2027-01-01T00:00:00Z',
          count: 2,
        })
        .expect(200);
      expect(body).toEqual({
        spec: 'cron:0 9 * * 1-5',
        type: 'cron',
        description: 'At 09:00, Monday through Friday (Europe/Berlin)',
        timezone: 'Europe/Berlin',
        nextRunTimes: ['2027-01-01T08:00:00.000Z', '2027-01-04T08:00:00.000Z'],
        interpretedFrom: 'every weekday at 9am',
      });
    });

    it('takes the zone the text names, and keeps 9am across New York spring-forward', async () => {
      const { body } = await api()
        .get('/api/schedules/preview')
        .query({ text: 'every day at 9am New York time', from: '2027-03-13T00:00:00Z', count: 3 })
        .expect(200);
      expect(body).toMatchObject({ spec: 'cron:0 9 * * *', timezone: 'America/New_York' });
      expect(body.nextRunTimes).toEqual([
        '2027-03-13T14:00:00.000Z',
        '2027-03-14T13:00:00.000Z',
        '2027-03-15T13:00:00.000Z',
      ]);
    });

    it('reads a one-off against `from`', async () => {
      const { body } = await api()
        .get('/api/schedules/preview')
        .query({ text: 'tomorrow at 3pm', timezone: 'Europe/Berlin', from: '2027-05-13T10:00:00Z' })
        .expect(200);
      expect(body).toEqual({
        spec: 'at:2027-05-14T15:00:00',
        type: 'once',
        description: 'Once at 2027-05-14 15:00 Europe/Berlin',
        timezone: 'Europe/Berlin',
        nextRunTimes: ['2027-05-14T13:00:00.000Z'],
        interpretedFrom: 'tomorrow at 3pm',
      });
    });

    it.each([
      [
        { text: 'every other week on monday' },
        'understood "every" (repetition), "other" (alternation), "monday" (day)',
      ],
      [
        { text: 'every other week on monday' },
        'Phrasings that work: "every monday at 9am", "every 2 weeks" or',
      ],
      [{ text: 'every day at 9am EST' }, 'EST is ambiguous'],
      [{ text: 'every day at 9am Berlin time', timezone: 'UTC' }, 'names the zone Europe/Berlin'],
      [{ text: 'every 1h', schedule: 'every 1h' }, 'not both'],
      [{}, 'schedule or text is required'],
      [{ text: '' }, 'text must be longer than or equal to 1'],
    ])('refuses %j with a 400 that says why', async (query, message) => {
      expectError(await api().get('/api/schedules/preview').query(query), 400, 'Bad Request', message);
    });
  });

  describe('creating schedules from text', () => {
    it('POST /api/tasks with text stores the spec and the text; GET shows both', async () => {
      const created = await api().post('/api/tasks').send({ name: name(), text: 'every weekday at 9am' });
      expect(created.status).toBe(201);
      const { body } = await api().get(`/api/tasks/${created.body.id}/schedule`).expect(200);
      expect(body).toMatchObject({
        taskId: created.body.id,
        schedule: 'cron:0 9 * * 1-5',
        text: 'every weekday at 9am',
        type: 'cron',
        description: 'At 09:00, Monday through Friday',
        timezone: 'UTC',
      });
      expect(created.body.nextRunAt).toBe(body.nextRunAt);
      const listed = await api().get('/api/schedules').query({ limit: 500 }).expect(200);
      expect(listed.body.items.find((item: { id: string }) => item.id === body.id)).toEqual(body);
    });

    it('POST /api/tasks/{id}/schedule with text resolves a delay at save time; a spec then clears the text', async () => {
      const task = await api().post('/api/tasks').send({ name: name() }).expect(201);
      const before = Date.now();
      const saved = await api()
        .post(`/api/tasks/${task.body.id}/schedule`)
        .send({ text: 'in 2 hours', maxRetries: 1 })
        .expect(201);
      expect(saved.body).toMatchObject({
        schedule: 'in:2h',
        text: 'in 2 hours',
        type: 'once',
        maxRetries: 1,
      });
      const due = Date.parse(saved.body.nextRunAt);
      expect(due).toBeGreaterThanOrEqual(before + 2 * HOUR - 1_000);
      expect(due).toBeLessThanOrEqual(Date.now() + 2 * HOUR + 1_000);
      expect((await api().get(`/api/tasks/${task.body.id}/schedule`).expect(200)).body).toEqual(saved.body);

      const replaced = await api()
        .post(`/api/tasks/${task.body.id}/schedule`)
        .send({ schedule: 'every 1h' })
        .expect(201);
      expect(replaced.body).toMatchObject({ schedule: 'every 1h', text: null });
    });

    it('a zone named in the text becomes the schedule’s time zone', async () => {
      const task = await api().post('/api/tasks').send({ name: name() }).expect(201);
      const { body } = await api()
        .post(`/api/tasks/${task.body.id}/schedule`)
        .send({ text: 'every day at 9am Berlin time' })
        .expect(201);
      expect(body).toMatchObject({
        schedule: 'cron:0 9 * * *',
        text: 'every day at 9am Berlin time',
        timezone: 'Europe/Berlin',
        description: 'At 09:00 every day (Europe/Berlin)',
      });
    });

    it.each([
      ['a phrase it cannot read', { text: 'every other week on monday' }, '"monday" (day)'],
      ['a phrase without a time', { text: 'tomorrow' }, 'has no time of day'],
      ['schedule and text', { schedule: 'every 1h', text: 'every hour' }, 'not both'],
      ['a zone conflict', { text: 'every day at 9am UTC', timezone: 'Europe/Berlin' }, 'names the zone UTC'],
    ])(
      'refuses %s with a 400 naming what it understood; nothing is stored',
      async (_label, body, message) => {
        const task = await api().post('/api/tasks').send({ name: name(), schedule: 'every 2h' }).expect(201);
        const before = await storedState();
        const onTask = await api().post(`/api/tasks/${task.body.id}/schedule`).send(body);
        expectError(onTask, 400, 'Bad Request', message);
        // Task creation takes no timezone: the zone conflict is the schedule route's alone.
        if (!('timezone' in body)) {
          const creating = await api()
            .post('/api/tasks')
            .send({ name: name(), ...body });
          expectError(creating, 400, 'Bad Request', message);
        }
        expect(await storedState()).toEqual(before);
        const kept = await api().get(`/api/tasks/${task.body.id}/schedule`).expect(200);
        expect(kept.body).toMatchObject({ schedule: 'every 2h', text: null });
      },
    );
  });
});
