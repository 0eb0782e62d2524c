import request from 'supertest';
import { EventClient } from './support/event-client';
import { freePort, ServiceProcess } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

const LISTED_ORIGIN = 'http://dashboard.example';

/** The service's JSON log lines of its own (not per request). */
function ownLines(output: string): Array<{ level: number; msg: string; url?: string }> {
  return output
    .split('\n')
    .filter((line) => line.includes('"ScoutScheduler"'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; url?: string });
}

/** Resolves with the reason a handshake was refused, or rejects if it was accepted. */
async function refusal(client: EventClient): Promise<Error & { data?: unknown }> {
  try {
    await client.connected();
  } catch (error) {
    return error as Error & { data?: unknown };
  } finally {
    client.close();
  }
  throw new Error('the handshake was accepted');
}

/**
 * The built service started as a new user would, with neither API_KEY nor HOST: loopback only,
 * in its bind address and in what it answers (Host and Origin, against DNS rebinding).
 */
describe('a service started without API_KEY and HOST (protected mode)', () => {
  let database: TestDatabase;
  let service: ServiceProcess;
  let port: number;
  let ownOrigin: string;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    port = await freePort();
    ownOrigin = `http://127.0.0.1:${port}`;
    service = new ServiceProcess(
      { ...database.env, HOST: '', LOG_LEVEL: 'info', CORS_ORIGINS: LISTED_ORIGIN },
      port,
    );
    await service.start();
  });

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await database?.drop();
  });

  it('listens on 127.0.0.1 only and says so at start, with the two ways to open up', async () => {
    const lines = ownLines(service.output);
    // The ready line gives the address the server is bound to (server.address()).
    const ready = lines.find((line) => line.msg.includes(' ready on '));
    expect(ready?.url).toBe(`http://127.0.0.1:${port}`);
    expect(ready?.msg).toContain(`ready on http://127.0.0.1:${port} (protected mode: loopback only);`);
    const notice = lines.find((line) => line.msg.startsWith('Protected mode'));
    expect(notice?.level).toBe(40);
    expect(notice?.msg).toMatch(/listens on 127\.0\.0\.1 only/);
    expect(notice?.msg).toMatch(/set API_KEY \(it then listens on 0\.0\.0\.0\), or set HOST explicitly/);
    await request(service.url).get('/api/tasks').expect(200);
  });

  it('answers 403 to a foreign Host on every route but the health probes, and stores nothing', async () => {
    const refused = await request(service.url).get('/api/tasks').set('Host', 'evil.example').expect(403);
    expect(refused.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Host evil.example is not a loopback name; set API_KEY to serve other hosts',
    });
    const rebound = await request(service.url).get('/api/tasks').set('Host', `127.0.0.1.nip.io:${port}`);
    expect(rebound.status).toBe(403);
    expect(rebound.body.message).toBe(
      `Host 127.0.0.1.nip.io:${port} is not a loopback name; set API_KEY to serve other hosts`,
    );
    await request(service.url)
      .post('/api/tasks')
      .set('Host', `evil.example:${port}`)
      .send({ name: 'planted' })
      .expect(403);
    for (const path of ['/docs', '/docs-json', '/metrics', '/nowhere'])
      expect([path, (await request(service.url).get(path).set('Host', 'evil.example')).status]).toEqual([
        path,
        403,
      ]);
    await request(service.url).get('/health').set('Host', 'evil.example').expect(200);
    await request(service.url).get('/health/live').set('Host', 'evil.example').expect(200);

    for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `app.localhost:${port}`])
      await request(service.url).get('/api/tasks').set('Host', host).expect(200);
    const { body } = await request(service.url).get('/api/tasks').expect(200);
    expect(body.items).toEqual([]);
  });

  it('answers 403 to a foreign Origin, serves its own origin and a listed one', async () => {
    const foreign = await request(service.url)
      .get('/api/tasks')
      .set('Origin', 'http://evil.example')
      .expect(403);
    expect(foreign.body.message).toBe(
      "Origin http://evil.example is neither this server's origin nor listed in CORS_ORIGINS; set API_KEY to serve other origins",
    );
    await request(service.url).get('/api/tasks').set('Origin', 'null').expect(403);
    await request(service.url).get('/api/tasks').set('Origin', 'http://localhost:5173').expect(403);
    // A preflight from a foreign page is refused before CORS answers it.
    await request(service.url)
      .options('/api/tasks')
      .set('Origin', 'http://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .expect(403);

    const created = await request(service.url)
      .post('/api/tasks')
      .set('Origin', ownOrigin)
      .send({ name: 'from the own origin' })
      .expect(201);
    await request(service.url)
      .get(`/api/tasks/${created.body.id}`)
      .set('Origin', LISTED_ORIGIN)
      .expect(200)
      .expect('access-control-allow-origin', LISTED_ORIGIN);
    await request(service.url).delete(`/api/tasks/${created.body.id}`).set('Origin', ownOrigin).expect(204);
  });

  it('refuses a Socket.IO handshake with a foreign Origin or Host (connect_error), accepts a local one', async () => {
    const foreignOrigin = await refusal(
      new EventClient(service.url, { headers: { origin: 'http://evil.example' } }),
    );
    expect(foreignOrigin.message).toMatch(/^forbidden: Origin http:\/\/evil\.example is neither/);
    expect(foreignOrigin.data).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    const foreignHost = await refusal(new EventClient(service.url, { headers: { host: 'evil.example' } }));
    expect(foreignHost.message).toBe(
      'forbidden: Host evil.example is not a loopback name; set API_KEY to serve other hosts',
    );

    for (const headers of [
      {} as Record<string, string>,
      { origin: ownOrigin },
      { origin: LISTED_ORIGIN },
      { host: `localhost:${port}` },
    ]) {
      const local = new EventClient(service.url, { headers });
      await local.connected();
      local.close();
    }
  });
});

const FIRST_KEY = 'scout-first-key-0123456789';
const SECOND_KEY = 'scout-second-key-0123456789';

/** With keys the loopback rules are off: the key is what counts, from anywhere. */
describe('a service with two comma-separated API keys', () => {
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await startTestApp({
      ...database.env,
      API_KEY: ` ${FIRST_KEY} , ${SECOND_KEY} `,
      RATE_LIMIT_PER_MINUTE: '20',
    });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('takes either key, as X-API-Key or as a Bearer token, whatever the Host and Origin; 401 otherwise', async () => {
    const foreign = { Host: 'scout.example', Origin: 'http://evil.example' };
    await request(service.url).get('/api/tasks').set(foreign).set('X-API-Key', FIRST_KEY).expect(200);
    await request(service.url).get('/api/tasks').set(foreign).set('X-API-Key', SECOND_KEY).expect(200);
    await request(service.url)
      .get('/api/tasks')
      .set(foreign)
      .set('Authorization', `Bearer ${SECOND_KEY}`)
      .expect(200);
    const missing = await request(service.url).get('/api/tasks').set(foreign).expect(401);
    expect(missing.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing API key: send the X-API-Key header or Authorization: Bearer <key>',
    });
    const wrong = await request(service.url)
      .get('/api/tasks')
      .set('Authorization', 'Bearer scout-third-key-0123');
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toBe('wrong API key');
    await request(service.url).get('/api/tasks').set('X-API-Key', `${FIRST_KEY},${SECOND_KEY}`).expect(401);

    const remote = new EventClient(service.url, {
      apiKey: SECOND_KEY,
      headers: { origin: 'http://evil.example', host: 'scout.example' },
    });
    await remote.connected();
    remote.close();
  });

  it('counts the rate limit per key, and per address without a valid one', async () => {
    let limited: request.Response | undefined;
    for (let index = 0; index < 40 && !limited; index++) {
      const response = await request(service.url).get('/api/schedules').set('X-API-Key', FIRST_KEY);
      if (response.status === 429) limited = response;
    }
    expect(limited?.body.message).toMatch(/rate limit of 20 requests per minute/);
    // The same address with the other key, with none or with a wrong one has budgets of its own.
    await request(service.url).get('/api/schedules').set('Authorization', `Bearer ${SECOND_KEY}`).expect(200);
    await request(service.url).get('/api/schedules').expect(401);
    await request(service.url)
      .get('/api/schedules')
      .set('X-API-Key', 'scout-wrong-key-0123456789')
      .expect(401);
    await request(service.url).get('/api/schedules').set('X-API-Key', FIRST_KEY).expect(429);
  });
});
