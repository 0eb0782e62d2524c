import request from 'supertest';
import { EventClient } from './support/event-client';
import { freePort, ServiceProcess } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

const API_KEY = 'scout-test-key-0123456789';

/** API key on REST and Socket.IO, open health, headers, body limit, CORS and rate limit. */
describe('a service with API_KEY set', () => {
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await startTestApp({
      ...database.env,
      API_KEY,
      RATE_LIMIT_PER_MINUTE: '40',
      CORS_ORIGINS: 'http://dashboard.example',
    });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('refuses /api without the key or with a wrong one (401), accepts the right key', async () => {
    const missing = await request(service.url).get('/api/tasks').expect(401);
    expect(missing.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing API key: send the X-API-Key header or Authorization: Bearer <key>',
    });
    const wrong = await request(service.url).get('/api/tasks').set('X-API-Key', 'nope').expect(401);
    expect(wrong.body.message).toBe('wrong API key');
    // Another Authorization scheme presents no key.
    await request(service.url).get('/api/tasks').set('Authorization', `Basic ${API_KEY}`).expect(401);
    await request(service.url).get('/api/tasks').set('Authorization', `Bearer ${API_KEY}`).expect(200);
    await request(service.url).post('/api/tasks').send({ name: 'sneaky' }).expect(401);
    await request(service.url).get('/api/tasks').set('X-API-Key', API_KEY).expect(200);
    const { body } = await request(service.url).get('/api/tasks').set('X-API-Key', API_KEY).expect(200);
    expect(body.items).toEqual([]);
  });

  it('keeps /health and /metrics open', async () => {
    await request(service.url).get('/health').expect(200);
    const metrics = await request(service.url)
      .get('/metrics')
      .expect(200)
      .expect('content-type', /text\/plain/);
    for (const name of [
      'scout_fires_total',
      'scout_runs_total',
      'scout_fire_lateness_seconds',
      'scout_armed_fires',
      'scout_socket_clients',
    ]) {
      expect(metrics.text).toContain(name);
    }
  });

  it('counts runs and lateness in /metrics', async () => {
    const { body: task } = await request(service.url)
      .post('/api/tasks')
      .set('X-API-Key', API_KEY)
      .send({ name: 'counted' })
      .expect(201);
    await request(service.url).post(`/api/tasks/${task.id}/run`).set('X-API-Key', API_KEY).expect(202);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const metrics = await request(service.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/scout_runs_total\{status="succeeded"\} [1-9]/);
    expect(metrics.text).toMatch(/scout_fire_lateness_seconds_count [1-9]/);
  });

  it('refuses a Socket.IO handshake without the key (connect_error), accepts auth.apiKey or the header', async () => {
    const anonymous = new EventClient(service.url);
    await expect(anonymous.connected()).rejects.toThrow(/unauthorized/);
    anonymous.close();
    const wrong = new EventClient(service.url, { apiKey: 'wrong-key-wrong-key' });
    await expect(wrong.connected()).rejects.toThrow(/unauthorized/);
    wrong.close();
    const withAuth = new EventClient(service.url, { apiKey: API_KEY });
    await withAuth.connected();
    withAuth.close();
    const withHeader = new EventClient(service.url, { header: API_KEY });
    await withHeader.connected();
    withHeader.close();
  });

  it('sends security headers and a request id', async () => {
    const response = await request(service.url)
      .get('/health')
      .set('X-Request-Id', 'trace-me-123')
      .expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['x-request-id']).toBe('trace-me-123');
    const generated = await request(service.url).get('/health').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('allows the configured CORS origin only', async () => {
    const allowed = await request(service.url)
      .options('/api/tasks')
      .set('Origin', 'http://dashboard.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('http://dashboard.example');
    const other = await request(service.url)
      .options('/api/tasks')
      .set('Origin', 'http://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("answers a browser MCP client's preflight for /mcp with its Streamable HTTP headers allowed", async () => {
    const preflight = await request(service.url)
      .options('/mcp')
      .set('Origin', 'http://dashboard.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'mcp-protocol-version');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://dashboard.example');
    const allowed = preflight.headers['access-control-allow-headers'].split(',');
    expect(allowed).toEqual(expect.arrayContaining(['mcp-protocol-version', 'mcp-session-id', 'x-api-key']));
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const response = await request(service.url)
      .post('/api/tasks')
      .set('X-API-Key', API_KEY)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'big', payload: { blob: 'x'.repeat(1_100_000) } }))
      .expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('rate-limits the API per client with 429, leaving /health open', async () => {
    let limited: request.Response | undefined;
    for (let index = 0; index < 60 && !limited; index++) {
      const response = await request(service.url).get('/api/schedules').set('X-API-Key', API_KEY);
      if (response.status === 429) limited = response;
    }
    expect(limited?.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/rate limit of 40 requests per minute/),
    });
    await request(service.url).get('/health').expect(200);
  });
});

describe('a service without API_KEY, HOST given', () => {
  it('listens where HOST says, warns at start, and answers only requests to a loopback name', async () => {
    const database = await createTestDatabase('pglite');
    const service = new ServiceProcess(
      { ...database.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      await freePort(),
    );
    try {
      await service.start();
      expect(service.output).toMatch(/API_KEY is not set: listening on 127\.0\.0\.1 as HOST asks/);
      expect(service.output).not.toMatch(/Protected mode/);
      await request(service.url).get('/api/tasks').expect(200);
      await request(service.url).get('/api/tasks').set('Host', 'scout.lan').expect(403);
      const client = new EventClient(service.url);
      await client.connected();
      client.close();
    } finally {
      await service.kill('SIGTERM');
      await database.drop();
    }
  });
});
