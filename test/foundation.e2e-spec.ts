import request from 'supertest';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

describe.each(DATABASE_KINDS)('foundation on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp(database.env);
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('answers /health with the database up', async () => {
    const response = await request(service.url).get('/health').expect(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.details.database.status).toBe('up');
  });

  it('serves Swagger UI and a document that lists every route', async () => {
    await request(service.url).get('/docs').expect(200).expect('content-type', /html/);
    const { body } = await request(service.url).get('/docs-json').expect(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/api/tasks',
        '/api/tasks/{id}',
        '/api/tasks/{id}/run',
        '/api/tasks/{id}/runs',
        '/api/tasks/{taskId}/schedule',
        '/api/tasks/{taskId}/schedule/pause',
        '/api/tasks/{taskId}/schedule/resume',
        '/api/schedules',
        '/api/schedules/preview',
        '/api/events/{name}',
        '/health',
      ]),
    );
    // DTOs are documented by the Swagger plugin, with their fields.
    expect(Object.keys(body.components.schemas.CreateScheduleDto.properties)).toEqual(
      expect.arrayContaining(['schedule', 'timezone', 'misfirePolicy', 'overlapPolicy', 'timeoutSeconds']),
    );
    expect(body.components.schemas.TaskRunDto.properties.status.enum).toContain('interrupted');
  });

  it('previews a cron spec with its description and next fire times', async () => {
    const { body } = await request(service.url)
      .get('/api/schedules/preview')
      .query({ schedule: 'cron:30 2 * * *', from: '2027-01-01T00:00:00Z', count: 3 })
      .expect(200);
    expect(body).toEqual({
      spec: 'cron:30 2 * * *',
      type: 'cron',
      description: 'At 02:30 every day',
      timezone: 'UTC',
      nextRunTimes: ['2027-01-01T02:30:00.000Z', '2027-01-02T02:30:00.000Z', '2027-01-03T02:30:00.000Z'],
      interpretedFrom: null,
    });
  });

  it('previews in a time zone and for every form', async () => {
    const berlin = await request(service.url)
      .get('/api/schedules/preview')
      .query({
        schedule: 'cron:0 9 * * MON-FRI',
        timezone: 'Europe/Berlin',
        from: '2027-01-01T00:00:00Z',
        count: 2,
      })
      .expect(200);
    expect(berlin.body.nextRunTimes).toEqual(['2027-01-01T08:00:00.000Z', '2027-01-04T08:00:00.000Z']);
    const interval = await request(service.url)
      .get('/api/schedules/preview')
      .query({ schedule: 'every 30m', from: '2027-01-01T00:00:00Z', count: 2 })
      .expect(200);
    expect(interval.body).toEqual({
      spec: 'every 30m',
      type: 'interval',
      description: 'Every 30 minutes',
      timezone: 'UTC',
      nextRunTimes: ['2027-01-01T00:30:00.000Z', '2027-01-01T01:00:00.000Z'],
      interpretedFrom: null,
    });
    const event = await request(service.url)
      .get('/api/schedules/preview')
      .query({ schedule: 'on:deploy' })
      .expect(200);
    expect(event.body).toEqual({
      spec: 'on:deploy',
      type: 'event',
      description: 'On event "deploy"',
      timezone: 'UTC',
      nextRunTimes: [],
      interpretedFrom: null,
    });
  });

  it.each([
    ['cron:61 * * * *', 'minute field: 61 is out of range 0-59'],
    ['every 500ms', 'every'],
    ['every 0s', 'interval must be at least 1s'],
    ['at:2001-01-01T00:00:00Z', 'at: time is in the past'],
    ['sometimes', 'is not a schedule spec'],
  ])('refuses %s with a 400 that says what is wrong', async (schedule, message) => {
    const { body } = await request(service.url).get('/api/schedules/preview').query({ schedule }).expect(400);
    expect(body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringContaining(message),
    });
  });

  it('refuses bad preview parameters', async () => {
    const noSpec = await request(service.url).get('/api/schedules/preview').expect(400);
    expect(noSpec.body.message).toMatch(/schedule/);
    const count = await request(service.url)
      .get('/api/schedules/preview')
      .query({ schedule: 'every 1h', count: 101 })
      .expect(400);
    expect(count.body.message).toMatch(/count must not be greater than 100/);
    const zone = await request(service.url)
      .get('/api/schedules/preview')
      .query({ schedule: 'every 1h', timezone: 'Mars/Olympus' })
      .expect(400);
    expect(zone.body.message).toMatch(/not an IANA time zone/);
    await request(service.url)
      .get('/api/schedules/preview')
      .query({ schedule: 'every 1h', bogus: 1 })
      .expect(400);
  });
});
