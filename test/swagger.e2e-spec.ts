import request from 'supertest';
import { OpenApiDocument, operationFindings, schemaFindings } from './support/openapi-lint';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

/** The OpenAPI document a client generates code from, and the messages it documents. */
describe('the Swagger document and validation messages', () => {
  let database: TestDatabase;
  let service: TestApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await startTestApp(database.env);
    document = (await request(service.url).get('/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('gives every operation a summary and every /api operation its error responses in the error shape', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/api/')).length).toBeGreaterThan(9);
    expect(operationFindings(document)).toEqual([]);
  });

  it('gives every property an example, integers type integer and ids format uuid', () => {
    expect(Object.keys(document.components?.schemas ?? {}).length).toBeGreaterThan(9);
    expect(schemaFindings(document)).toEqual([]);
  });

  it('documents the key in X-API-Key or as a bearer token, and every /api operation takes either', () => {
    expect(document.components?.securitySchemes).toEqual({
      'api-key': { type: 'apiKey', name: 'X-API-Key', in: 'header' },
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: expect.stringContaining('Authorization: Bearer'),
      },
    });
    const operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([, item]) => Object.values(item));
    expect(operations.length).toBeGreaterThan(9);
    for (const operation of operations)
      expect(operation.security).toEqual(expect.arrayContaining([{ 'api-key': [] }, { bearer: [] }]));
  });

  it('documents the error shape {statusCode, error, message}', () => {
    expect(document.components?.schemas?.ErrorDto).toMatchObject({
      required: expect.arrayContaining(['statusCode', 'error', 'message']),
      properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
    });
  });

  it('answers a task without a name with the single message "name is required"', async () => {
    const { body } = await request(service.url)
      .post('/api/tasks')
      .send({ description: 'no name' })
      .expect(400);
    expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'name is required' });
  });

  it("names each missing required field once, beside the other fields' messages", async () => {
    const task = await request(service.url).post('/api/tasks').send({ name: 'kept' }).expect(201);
    const schedule = await request(service.url)
      .post(`/api/tasks/${task.body.id}/schedule`)
      .send({ maxRetries: 99 })
      .expect(400);
    expect(schedule.body.message).toBe(
      'schedule or text is required; maxRetries must not be greater than 20',
    );
    const preview = await request(service.url).get('/api/schedules/preview').expect(400);
    expect(preview.body.message).toBe('schedule or text is required');
  });
});
