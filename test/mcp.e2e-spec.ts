import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import request from 'supertest';
import { callTool as call, connectOverHttp, restCall, SCOUT_TOOL_NAMES as TOOLS } from './support/mcp-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/webhook-server';

const API_KEY = 'scout-mcp-key-0123456789';

const rest = (service: TestApp, method: string, path: string, body?: unknown) =>
  restCall(service.url, API_KEY, method, path, body);
const httpClient = (service: TestApp, headers: Record<string, string> = { 'x-api-key': API_KEY }) =>
  connectOverHttp(service.url, headers);

/** An agent's view: the MCP server at /mcp (Streamable HTTP), over the real service. */
describe.each(DATABASE_KINDS)('MCP server on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let client: Client;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp({ ...database.env, API_KEY });
    client = await httpClient(service);
  });

  afterAll(async () => {
    await client?.close();
    await service?.close();
    await database?.drop();
  });

  it('lists the 11 tools with their annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(TOOLS);
    const annotations = Object.fromEntries(tools.map((tool) => [tool.name, tool.annotations]));
    expect(annotations.list_tasks).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(annotations.schedule_task).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
    });
    expect(annotations.delete_task).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(client.getServerVersion()).toMatchObject({ name: 'scout-scheduler' });
  });

  it('schedules a task: a dry run saves nothing, the real one runs; pause, resume, cancel, delete', async () => {
    const before = (await rest(service, 'GET', '/api/tasks?limit=500')).body.items.length;
    const dry = await call(client, 'schedule_task', {
      name: 'mcp tick',
      when: 'every 1s',
      handler: 'noop',
      timezone: 'Europe/Berlin',
      dryRun: true,
    });
    expect(dry.isError).toBe(false);
    expect(dry.json).toMatchObject({
      dryRun: true,
      saved: false,
      spec: 'every 1s',
      type: 'interval',
      timezone: 'Europe/Berlin',
    });
    expect(dry.json.description).toEqual(expect.any(String));
    expect(dry.json.nextRunTimes).toHaveLength(5);
    expect((await rest(service, 'GET', '/api/tasks?limit=500')).body.items).toHaveLength(before);

    const made = await call(client, 'schedule_task', {
      name: 'mcp tick',
      when: 'every 1s',
      handler: 'noop',
      payload: { from: 'mcp' },
    });
    expect(made.isError).toBe(false);
    const taskId: string = made.json.task.id;
    expect(made.json.task).toMatchObject({ name: 'mcp tick', handler: 'noop', payload: { from: 'mcp' } });
    expect(made.json.schedule).toMatchObject({
      taskId,
      schedule: 'every 1s',
      type: 'interval',
      paused: false,
    });
    expect((await rest(service, 'GET', `/api/tasks/${taskId}/schedule`)).body.id).toBe(made.json.schedule.id);

    const runs = await waitFor(
      async () => {
        const page = await call(client, 'get_task_runs', { taskId, limit: 10 });
        return page.json.items.some((run: { status: string }) => run.status === 'succeeded') ? page : null;
      },
      15_000,
      'a scheduled run',
    );
    expect(runs.json.items[0]).toMatchObject({ taskId, trigger: 'schedule' });

    const task = await call(client, 'get_task', { taskId });
    expect(task.json.task.id).toBe(taskId);
    expect(task.json.schedule.schedule).toBe('every 1s');
    expect(
      (await call(client, 'list_tasks', { limit: 500 })).json.items.map((t: { id: string }) => t.id),
    ).toContain(taskId);

    expect((await call(client, 'pause_schedule', { taskId })).json).toMatchObject({
      paused: true,
      nextRunAt: null,
    });
    expect((await call(client, 'resume_schedule', { taskId })).json).toMatchObject({ paused: false });
    const manual = await call(client, 'run_task_now', { taskId });
    expect(manual.json).toMatchObject({ taskId, trigger: 'manual', status: 'running' });
    expect((await call(client, 'cancel_schedule', { taskId })).json).toEqual({ taskId, cancelled: true });
    expect((await rest(service, 'GET', `/api/tasks/${taskId}/schedule`)).status).toBe(404);
    expect((await call(client, 'get_task', { taskId })).json.schedule).toBeNull();

    expect((await call(client, 'delete_task', { taskId })).json).toEqual({ taskId, deleted: true });
    const gone = await call(client, 'get_task', { taskId });
    expect(gone).toMatchObject({
      isError: true,
      json: { statusCode: 404, error: 'Not Found', message: `task ${taskId} not found` },
    });
  });

  it('schedules from plain English: dry run first, then for real; it runs, and the schedule keeps the text', async () => {
    const before = (await rest(service, 'GET', '/api/tasks?limit=500')).body.items.length;
    const dry = await call(client, 'schedule_task', {
      name: 'digest',
      when: 'every weekday at 9am Berlin time',
      handler: 'noop',
      dryRun: true,
    });
    expect(dry).toMatchObject({
      isError: false,
      json: {
        dryRun: true,
        saved: false,
        spec: 'cron:0 9 * * 1-5',
        type: 'cron',
        timezone: 'Europe/Berlin',
        interpretedFrom: 'every weekday at 9am Berlin time',
      },
    });
    expect(dry.json.nextRunTimes).toHaveLength(5);
    expect((await rest(service, 'GET', '/api/tasks?limit=500')).body.items).toHaveLength(before);

    const made = await call(client, 'schedule_task', {
      name: 'english tick',
      when: 'every second',
      handler: 'noop',
    });
    expect(made.isError).toBe(false);
    const taskId: string = made.json.task.id;
    expect(made.json.schedule).toMatchObject({ taskId, text: 'every second', type: 'cron' });
    await waitFor(
      async () => {
        const page = await call(client, 'get_task_runs', { taskId, limit: 10 });
        return page.json.items.some((run: { status: string }) => run.status === 'succeeded') ? page : null;
      },
      15_000,
      'a run of the plain-English schedule',
    );
    await call(client, 'delete_task', { taskId });

    const refused = await call(client, 'schedule_task', {
      name: 'fortnightly',
      when: 'every other week on monday',
      handler: 'noop',
      dryRun: true,
    });
    expect(refused).toMatchObject({ isError: true, json: { statusCode: 400, error: 'Bad Request' } });
    expect(refused.json.message).toEqual(expect.stringContaining('every other week on monday'));
    expect((await rest(service, 'GET', '/api/tasks?limit=500')).body.items).toHaveLength(before);
  });

  it('publish_event runs the tasks scheduled on the event', async () => {
    const listener = await rest(service, 'POST', '/api/tasks', {
      name: 'mcp listener',
      handler: 'noop',
      schedule: 'on:mcp.ready',
    });
    const published = await call(client, 'publish_event', { name: 'mcp.ready', payload: { v: 1 } });
    expect(published.json.event).toBe('mcp.ready');
    expect(published.json.runs).toEqual([
      expect.objectContaining({ taskId: listener.body.id, trigger: 'event' }),
    ]);
    await rest(service, 'DELETE', `/api/tasks/${listener.body.id}`);
  });

  it('a bad input is a tool error with the REST answer word for word, and stores nothing', async () => {
    const before = (await rest(service, 'GET', '/api/tasks?limit=500')).body.items.length;

    const badSpec = await call(client, 'schedule_task', {
      name: 'x',
      when: 'cron:61 * * * *',
      handler: 'noop',
    });
    const restSpec = await rest(
      service,
      'GET',
      '/api/schedules/preview?schedule=' + encodeURIComponent('cron:61 * * * *'),
    );
    expect(restSpec.status).toBe(400);
    expect(badSpec).toMatchObject({ isError: true, json: restSpec.body });
    expect(badSpec.json.message).toBe('minute field: 61 is out of range 0-59');

    const badZone = await call(client, 'preview_schedule', { when: 'cron:0 9 * * *', timezone: 'Mars/Base' });
    const restZone = await rest(
      service,
      'GET',
      '/api/schedules/preview?schedule=cron:0%209%20*%20*%20*&timezone=Mars/Base',
    );
    expect(restZone.status).toBe(400);
    expect(badZone).toMatchObject({ isError: true, json: restZone.body });

    const badTask = await call(client, 'schedule_task', {
      name: '',
      when: 'every 1h',
      handler: 'no such handler',
    });
    const restTask = await rest(service, 'POST', '/api/tasks', { name: '', handler: 'no such handler' });
    expect(restTask.status).toBe(400);
    expect(badTask).toMatchObject({ isError: true, json: restTask.body });

    // Refused after the task was made (the schedule's options): the task goes again.
    const badOption = await call(client, 'schedule_task', {
      name: 'x',
      when: 'every 1h',
      timeoutSeconds: -1,
    });
    expect(badOption).toMatchObject({ isError: true, json: { statusCode: 400 } });
    expect(badOption.json.message).toMatch(/^timeoutSeconds /);

    const badId = await call(client, 'get_task_runs', { taskId: 'not-a-uuid' });
    expect(badId).toMatchObject({
      isError: true,
      json: (await rest(service, 'GET', '/api/tasks/not-a-uuid/runs')).body,
    });

    const badLimit = await call(client, 'list_tasks', { limit: 0 });
    expect(badLimit).toMatchObject({
      isError: true,
      json: (await rest(service, 'GET', '/api/tasks?limit=0')).body,
    });

    expect((await rest(service, 'GET', '/api/tasks?limit=500')).body.items).toHaveLength(before);
  });

  it('refuses a missing or wrong key with 401; GET and DELETE are 405 (stateless)', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${service.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(initialize),
      });
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing API key: send the X-API-Key header or Authorization: Bearer <key>',
    });
    const wrong = await post({ 'x-api-key': 'not-the-key-at-all-000' });
    expect(wrong.status).toBe(401);
    await expect(httpClient(service, { 'x-api-key': 'not-the-key-at-all-000' })).rejects.toThrow(/401/);

    expect((await post({ authorization: 'Bearer not-the-key-at-all-000' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${API_KEY}` })).status).toBe(200);
    const right = await post({ 'x-api-key': API_KEY });
    expect(right.status).toBe(200);
    const initialized = (await right.json()) as { result: { serverInfo: { name: string } } };
    expect(initialized.result.serverInfo.name).toBe('scout-scheduler');

    for (const method of ['GET', 'DELETE']) {
      const answer = await fetch(`${service.url}/mcp`, {
        method,
        headers: { 'x-api-key': API_KEY, accept: 'text/event-stream' },
      });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('POST');
    }
    const text = await fetch(`${service.url}/mcp`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
  });
});

/** Without API_KEY, /mcp follows protected mode, as the MCP specification asks of local servers. */
describe('MCP server without an API key', () => {
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await startTestApp({ ...database.env });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const initialize = () =>
    request(service.url)
      .post('/mcp')
      .set('content-type', 'application/json')
      .set('accept', 'application/json, text/event-stream')
      .send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });

  it('answers a loopback Host, and 403 to a foreign Host or Origin (DNS rebinding)', async () => {
    await initialize().expect(200);
    const foreignHost = await initialize().set('Host', 'evil.example').expect(403);
    expect(foreignHost.body.message).toBe(
      'Host evil.example is not a loopback name; set API_KEY to serve other hosts',
    );
    const foreignOrigin = await initialize().set('Origin', 'http://evil.example').expect(403);
    expect(foreignOrigin.body.message).toMatch(
      /^Origin http:\/\/evil\.example is neither this server's origin/,
    );
    const client = await connectOverHttp(service.url, {});
    expect((await client.listTools()).tools).toHaveLength(11);
    await client.close();
  });
});
