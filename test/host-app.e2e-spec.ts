import { Controller, Get, INestApplication, Injectable, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { jest } from '@jest/globals';
import request from 'supertest';
import { DATABASE_UNAVAILABLE } from '../src/api/domain-error.filter';
import { DatabaseState } from '../src/persistence/database-state.service';
import { EventsGateway } from '../src/events/events.gateway';
import { SchedulerModule } from '../src/scheduler/scheduler.module';
import { SchedulerStats } from '../src/scheduler/scheduler-stats';
import { addSchedulerToSwagger, createSchedulerDocument } from '../src/scheduler/scheduler-swagger';
import { TaskSchedulerService } from '../src/scheduler/task-scheduler.service';
import { TaskHandler, TaskRunContext } from '../src/tasks/task-handler';
import { SchedulerEventEmitter } from '../src/events/scheduler-event.emitter';
import { expectError } from './support/error-assertions';
import { EventClient } from './support/event-client';
import { callTool, connectOverHttp } from './support/mcp-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { waitFor } from './support/webhook-server';

/** Something of the host app's own, injected into its handler. */
@Injectable()
class DigestStore {
  readonly digests: Array<{ taskId: string; runId: string; topic: unknown }> = [];
}

/** A handler contributed by another agent module, found through DI by its decorator. */
@TaskHandler('digest')
class DigestHandler implements TaskHandler {
  constructor(private readonly store: DigestStore) {}

  validatePayload(payload: Record<string, unknown> | null): string | null {
    return typeof payload?.topic === 'string' ? null : 'payload.topic: the digest handler needs a topic';
  }

  run(context: TaskRunContext): { written: number } {
    this.store.digests.push({
      taskId: context.task.id,
      runId: context.run.id,
      topic: context.task.payload?.topic,
    });
    return { written: this.store.digests.length };
  }
}

@Module({ providers: [DigestStore, DigestHandler], exports: [DigestStore] })
class DigestModule {}

/** A route of the host's own, which the scheduler's Swagger document leaves out. */
@Controller('host')
class HostController {
  /** The host's own greeting. */
  @Get('hello')
  hello(): string {
    return 'hello';
  }
}

/**
 * A separate small Nest app that imports SchedulerModule only for DI, as another agent module
 * would: without the REST routes and the Socket.IO gateway.
 */
describe.each(DATABASE_KINDS)('a host app importing SchedulerModule on %s', (kind) => {
  let database: TestDatabase;
  let host: INestApplication;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    @Module({
      imports: [
        SchedulerModule.forRootAsync({
          rest: false,
          gateway: false,
          mcp: false,
          useFactory: () => ({ databaseUrl: database.env.DATABASE_URL, dataDir: database.env.DATA_DIR }),
        }),
        DigestModule,
      ],
      controllers: [HostController],
    })
    class HostModule {}
    host = await NestFactory.create(HostModule, { logger: false, abortOnError: false });
    host.enableShutdownHooks();
    await host.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await host?.close();
    await database?.drop();
  });

  it('leaves out the REST routes, the MCP server and the Socket.IO gateway when asked to', async () => {
    const url = (await host.getUrl()).replace('[::1]', '127.0.0.1');
    await request(url).get('/host/hello').expect(200, 'hello');
    await request(url).get('/api/tasks').expect(404);
    await request(url).post('/mcp').send({ jsonrpc: '2.0', id: 1, method: 'tools/list' }).expect(404);
    await request(url).get('/socket.io/').query({ EIO: '4', transport: 'polling' }).expect(404);
    expect(() => host.get(EventsGateway, { strict: false })).toThrow();
    expect(host.get(SchedulerStats, { strict: false }).socketClients).toBe(0);
  });

  it('runs the host handler on the schedule it set through TaskSchedulerService', async () => {
    const scheduler = host.get(TaskSchedulerService);
    const store = host.get(DigestStore);
    const events = host.get(SchedulerEventEmitter);
    const seen: string[] = [];
    events.subscribe((name) => seen.push(name));

    const task = await scheduler.createTask({
      name: 'daily digest',
      handler: 'digest',
      payload: { topic: 'news' },
    });
    const schedule = await scheduler.scheduleTask(task.id, 'every 1s', { overlapPolicy: 'allow' });
    expect(schedule).toMatchObject({ type: 'interval', description: 'Every second' });
    expect((await scheduler.getTaskSchedule(task.id)).id).toBe(schedule.id);

    await waitFor(() => store.digests.length >= 2, 10_000, 'the host handler to run twice');
    expect(store.digests[0]).toMatchObject({ taskId: task.id, topic: 'news' });
    await scheduler.cancelTask(task.id);
    const runs = await waitFor(async () => {
      const page = await scheduler.getTaskRuns(task.id, { limit: 10 });
      return page.items.filter((run) => run.status === 'succeeded').length >= 2 ? page.items : undefined;
    });
    expect(runs.find((run) => run.status === 'succeeded')?.result).toEqual({ written: expect.any(Number) });
    expect(seen).toEqual(
      expect.arrayContaining(['schedule_update', 'task_started', 'task_finished', 'schedule_removed']),
    );
    expect((await scheduler.listSchedules()).items).toHaveLength(0);
  });

  it('schedules a task from plain English through TaskSchedulerService, as the REST body does', async () => {
    const scheduler = host.get(TaskSchedulerService);
    const task = await scheduler.createTask({
      name: 'weekday digest',
      handler: 'digest',
      payload: { topic: 'ops' },
    });
    try {
      const schedule = await scheduler.scheduleTask(task.id, {
        text: 'every weekday at 9am',
        timezone: 'Europe/Berlin',
        maxRetries: 1,
      });
      expect(schedule).toMatchObject({
        schedule: 'cron:0 9 * * 1-5',
        text: 'every weekday at 9am',
        type: 'cron',
        timezone: 'Europe/Berlin',
        maxRetries: 1,
      });
      expect(await scheduler.getTaskSchedule(task.id)).toMatchObject({
        schedule: 'cron:0 9 * * 1-5',
        text: 'every weekday at 9am',
      });

      // Neither, or both, is refused with the REST API's message, and the schedule is kept.
      await expect(scheduler.scheduleTask(task.id, {})).rejects.toThrow('schedule or text is required');
      await expect(scheduler.scheduleTask(task.id, { timezone: 'UTC' })).rejects.toThrow(
        'schedule or text is required',
      );
      await expect(
        scheduler.scheduleTask(task.id, { schedule: 'every 1h', text: 'every hour' }),
      ).rejects.toThrow('give either schedule (a spec) or text (plain English), not both');
      expect((await scheduler.getTaskSchedule(task.id)).schedule).toBe('cron:0 9 * * 1-5');
    } finally {
      await scheduler.deleteTask(task.id);
    }
  });

  it('checks payloads with the host handler and refuses unknown handlers', async () => {
    const scheduler = host.get(TaskSchedulerService);
    await expect(scheduler.createTask({ name: 'no topic', handler: 'digest' })).rejects.toThrow(
      'payload.topic: the digest handler needs a topic',
    );
    await expect(scheduler.createTask({ name: 'unknown', handler: 'nope' })).rejects.toThrow(
      /unknown handler "nope"; registered handlers are digest, http, noop/,
    );
  });

  it('runs the host handler on a published event', async () => {
    const scheduler = host.get(TaskSchedulerService);
    const store = host.get(DigestStore);
    const task = await scheduler.createTask({
      name: 'on demand',
      handler: 'digest',
      payload: { topic: 'alerts' },
    });
    await scheduler.scheduleTask(task.id, 'on:alert');
    const before = store.digests.length;
    const accepted = await scheduler.publishEvent('alert', { level: 'high' });
    expect(accepted.runs).toHaveLength(1);
    await waitFor(() => store.digests.length === before + 1);
    expect(store.digests[before]).toMatchObject({ taskId: task.id, topic: 'alerts' });
  });
});

/**
 * A host app that serves the module's routes over HTTP with none of the service's setup
 * (`configureApp`): the routes validate, refuse and answer errors in the service's shape themselves.
 */
describe.each(DATABASE_KINDS)('a host app serving the scheduler routes on %s', (kind) => {
  let database: TestDatabase;
  let app: NestExpressApplication;
  let url: string;
  let hostModule: Type;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    @Module({
      imports: [
        SchedulerModule.forRoot({ databaseUrl: database.env.DATABASE_URL, dataDir: database.env.DATA_DIR }),
        DigestModule,
      ],
      controllers: [HostController],
    })
    class HostModule {}
    hostModule = HostModule;
    app = await NestFactory.create<NestExpressApplication>(HostModule, { logger: false });
    // The service's body limit, as the README tells hosts.
    app.useBodyParser('json', { limit: '1mb' });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('creates and reads a task with the host handler', async () => {
    const created = await request(url)
      .post('/api/tasks')
      .send({ name: 'digest', handler: 'digest', payload: { topic: 'news' } })
      .expect(201);
    const { body } = await request(url).get(`/api/tasks/${created.body.id}`).expect(200);
    expect(body).toMatchObject({ id: created.body.id, handler: 'digest', payload: { topic: 'news' } });
  });

  it.each([
    [
      'an invalid cron spec',
      { name: 'x', schedule: 'cron:61 * * * *' },
      'minute field: 61 is out of range 0-59',
    ],
    ['a task without a name', { description: 'no name' }, 'name is required'],
    ['an unknown field', { name: 'x', colour: 'red' }, 'property colour should not exist'],
    [
      'a field named like a prototype member',
      { name: 'x', toString: 'y' },
      'property toString should not exist',
    ],
    [
      'a payload the host handler refuses',
      { name: 'x', handler: 'digest' },
      'payload.topic: the digest handler',
    ],
    ['a name that is not a string', { name: 42 }, 'name must be a string'],
  ])('answers %s with a 400 in the error shape', async (_label, body, message) => {
    expectError(await request(url).post('/api/tasks').send(body), 400, 'Bad Request', message);
  });

  it("serves the MCP tools at /mcp, refusing the host handler's payload as the REST route does", async () => {
    const client = await connectOverHttp(url, {});
    try {
      const viaMcp = await callTool(client, 'schedule_task', {
        name: 'x',
        when: 'every 1h',
        handler: 'digest',
      });
      const viaRest = await request(url)
        .post('/api/tasks')
        .send({ name: 'x', handler: 'digest' })
        .expect(400);
      expect(viaMcp).toMatchObject({ isError: true, json: viaRest.body });
      expect(viaMcp.json.message).toContain('payload.topic: the digest handler');
    } finally {
      await client.close();
    }
  });

  it('answers a task without a name with the one message "name is required"', async () => {
    const { body } = await request(url).post('/api/tasks').send({}).expect(400);
    expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'name is required' });
  });

  it('answers a path id that is not a UUID with a 400 and an unknown id with a 404', async () => {
    expectError(await request(url).get('/api/tasks/not-a-uuid'), 400, 'Bad Request', 'id must be a UUID');
    const unknown = '4f0c6a2e-5b1d-4c3e-9f7a-2b8c1d0e9f11';
    expectError(
      await request(url).get(`/api/tasks/${unknown}`),
      404,
      'Not Found',
      `task ${unknown} not found`,
    );
    expectError(
      await request(url).get(`/api/tasks/${unknown}/schedule`),
      404,
      'Not Found',
      `task ${unknown} not found`,
    );
    expectError(
      await request(url).delete('/api/tasks/nope/schedule'),
      400,
      'Bad Request',
      'taskId must be a UUID',
    );
  });

  it('answers bad queries and a bad chain depth header with a 400', async () => {
    expectError(
      await request(url).get('/api/schedules/preview').query({ schedule: 'every 1h', count: 101 }),
      400,
      'Bad Request',
      'count must not be greater than 100',
    );
    expectError(
      await request(url).get('/api/tasks').query({ bogus: 1 }),
      400,
      'Bad Request',
      'property bogus',
    );
    expectError(
      await request(url).post('/api/events/deploy').set('x-scout-chain-depth', '-1').send({}),
      400,
      'Bad Request',
      'X-Scout-Chain-Depth must be a non-negative integer',
    );
  });

  it("without an apiKey, answers 403 to a foreign Host or Origin on the module's routes and gateway", async () => {
    expectError(
      await request(url).get('/api/tasks').set('Host', 'evil.example'),
      403,
      'Forbidden',
      'Host evil.example is not a loopback name; set API_KEY to serve other hosts',
    );
    expectError(
      await request(url).post('/api/tasks').set('Origin', 'http://evil.example').send({ name: 'planted' }),
      403,
      'Forbidden',
      'Origin http://evil.example is neither',
    );
    await request(url).get('/api/tasks').set('Host', 'localhost').expect(200);
    // The host's own routes are the host's business.
    await request(url).get('/host/hello').set('Host', 'evil.example').expect(200, 'hello');
    const foreign = new EventClient(url, { headers: { origin: 'http://evil.example' } });
    await expect(foreign.connected()).rejects.toThrow(/^forbidden: Origin http:\/\/evil\.example/);
    foreign.close();
    const local = new EventClient(url);
    await local.connected();
    local.close();
    const { body } = await request(url).get('/api/tasks').query({ limit: 500 }).expect(200);
    expect(body.items.map((task: { name: string }) => task.name)).not.toContain('planted');
  });

  it('answers a body that is not JSON with a 415 in the error shape', async () => {
    const response = await request(url)
      .post('/api/events/deploy')
      .set('content-type', 'text/plain')
      .send('payload=1');
    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'request body must be JSON (Content-Type: application/json)',
    });
    // The host's own routes are the host's business.
    await request(url).post('/host/hello').set('content-type', 'text/plain').send('x').expect(404);
  });

  it('takes bodies up to the 1 MiB the host configured, and refuses larger ones with a 413', async () => {
    // Past body-parser's default 100 KiB: read, then refused by the payload's own limit.
    const read = await request(url)
      .post('/api/tasks')
      .send({ name: 'big', payload: { blob: 'x'.repeat(200 * 1024) } });
    expectError(read, 400, 'Bad Request', 'payload: must be at most 64 KiB');
    const blob = 'x'.repeat(1024 * 1024 + 10);
    const response = await request(url).post('/api/tasks').send({ name: 'big', payload: { blob } });
    expect(response.status).toBe(413);
  });

  it('answers a lost database with a 503 in the error shape and reports it to DatabaseState', async () => {
    const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const getTask = jest.spyOn(app.get(TaskSchedulerService), 'getTask').mockRejectedValueOnce(lost);
    const report = jest.spyOn(app.get(DatabaseState, { strict: false }), 'report').mockReturnValueOnce(true);
    try {
      const response = await request(url).get('/api/tasks/4f0c6a2e-5b1d-4c3e-9f7a-2b8c1d0e9f11');
      expectError(response, 503, 'Service Unavailable', DATABASE_UNAVAILABLE);
      expect(report).toHaveBeenCalledWith(lost);
    } finally {
      getTask.mockRestore();
      report.mockRestore();
    }
  });

  it("documents only the scheduler's routes, or adds them to the host's document", () => {
    const own = createSchedulerDocument(app);
    expect(Object.keys(own.paths)).toEqual(expect.arrayContaining(['/api/tasks', '/api/tasks/{id}']));
    expect(Object.keys(own.paths).every((path) => path.startsWith('/api/'))).toBe(true);
    expect(own.components?.securitySchemes?.['api-key']).toMatchObject({ type: 'apiKey', name: 'X-API-Key' });
    expect(own.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(own.paths['/api/tasks'].get?.security).toEqual([{ 'api-key': [] }, { bearer: [] }]);

    const hostDocument = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Host').build(), {
      include: [hostModule],
    });
    expect(Object.keys(hostDocument.paths)).toEqual(['/host/hello']);
    const merged = addSchedulerToSwagger(app, hostDocument);
    expect(merged.info.title).toBe('Host');
    expect(Object.keys(merged.paths)).toEqual(expect.arrayContaining(['/host/hello', '/api/tasks']));
    expect(merged.components?.schemas?.ErrorDto).toBeDefined();
    expect(merged.components?.securitySchemes?.['api-key']).toBeDefined();
    expect(merged.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
