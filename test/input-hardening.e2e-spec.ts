import request from 'supertest';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

/** Inputs the fuzz test found answered with a 500; each is a clear 400 (or 415) now. */
describe.each(DATABASE_KINDS)('input hardening on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let taskId: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp(database.env);
    const { body } = await request(service.url)
      .post('/api/tasks')
      .send({ name: 'kept', payload: { a: 1 } })
      .expect(201);
    taskId = body.id as string;
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const rawPost = (path: string, text: string, type = 'application/json') =>
    request(service.url).post(path).set('content-type', type).send(text);

  it('refuses a lone surrogate in a payload (PostgreSQL cannot store it)', async () => {
    const { body } = await rawPost('/api/tasks', '{"name":"x","payload":{"a":"\\ud800"}}').expect(400);
    expect(body.message).toBe('payload.a: must be valid Unicode text (it holds a lone surrogate)');
    await request(service.url)
      .patch(`/api/tasks/${taskId}`)
      .send({ payload: { '\udc00': 1 } })
      .expect(400);
  });

  it('refuses bodies nested deeper than 64 levels', async () => {
    const deep = `{"name":"deep","payload":${'{"a":'.repeat(2_000)}0${'}'.repeat(2_000)}}`;
    const { body } = await rawPost('/api/tasks', deep).expect(400);
    expect(body.message).toBe('request nests deeper than 64 levels');
    await rawPost('/api/events/nobody', `${'['.repeat(1_500)}${']'.repeat(1_500)}`).expect(400);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])(
    'refuses an unknown field named %s',
    async (key) => {
      const { body } = await rawPost('/api/tasks', `{"name":"x","${key}":"y"}`).expect(400);
      expect(body.message).toMatch(/should not exist/);
      await rawPost(`/api/tasks/${taskId}/schedule`, `{"schedule":"every 30d","${key}":1}`).expect(400);
      // (Express's query parser drops `__proto__` itself, so it never reaches the API.)
      if (key !== '__proto__') {
        await request(service.url)
          .get('/api/schedules/preview')
          .query({ schedule: 'every 1h', [key]: '1' })
          .expect(400);
      }
    },
  );

  it('refuses a PATCH that sets the name or handler to null', async () => {
    const name = await request(service.url).patch(`/api/tasks/${taskId}`).send({ name: null }).expect(400);
    expect(name.body.message).toMatch(/name must be a string/);
    await request(service.url).patch(`/api/tasks/${taskId}`).send({ handler: null }).expect(400);
    const { body } = await request(service.url).get(`/api/tasks/${taskId}`).expect(200);
    expect(body).toMatchObject({ name: 'kept', handler: 'noop', payload: { a: 1 } });
  });

  it.each([
    ['an id of dashes', `2020-01-01T00:00:00.000Z|${'-'.repeat(36)}`],
    ['an id of zeros without hyphens', `2020-01-01T00:00:00.000Z|${'0'.repeat(36)}`],
    ['an instant PostgreSQL cannot hold', '-271821-04-20T00:00:00.000Z|4f0c6a2e-0000-4000-8000-000000000000'],
  ])('refuses a crafted cursor with %s', async (_label, text) => {
    const cursor = Buffer.from(text).toString('base64url');
    await request(service.url).get('/api/tasks').query({ cursor }).expect(400);
    await request(service.url).get('/api/schedules').query({ cursor }).expect(400);
    await request(service.url).get(`/api/tasks/${taskId}/runs`).query({ before: cursor }).expect(400);
  });

  it('refuses a body that is not JSON with 415 instead of reading it as empty', async () => {
    const { body } = await rawPost('/api/events/deploy', 'payload=1', 'text/plain').expect(415);
    expect(body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'request body must be JSON (Content-Type: application/json)',
    });
    await request(service.url)
      .patch(`/api/tasks/${taskId}`)
      .set('content-type', 'text/plain')
      .send('name=other')
      .expect(415);
  });
});
