import type { TaskRunView as RunView, TaskView } from '../src/api/contract';
import { EventClient } from './support/event-client';
import { freePort, ServiceProcess } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { waitFor, WebhookServer } from './support/webhook-server';
import { TaskSchedulerService } from '../src/scheduler/task-scheduler.service';

/**
 * Secret headers (issue 18): the webhook receives them; no answer, event, log line or error
 * shows them. The service runs as a child process so that its whole log output can be read.
 */

const AUTH = 'Bearer sk-live-4f1c9e2a7b';
const API_KEY_VALUE = 'ak-93be2f01d4c8';
const COOKIE = 'session=ck-6d0a1e55f3';
const SIGNING = 'sig-a81c44e0b9f7';
const ROTATED = 'Bearer sk-rotated-77c2d0e4';
const SECRETS = [AUTH, 'sk-live-4f1c9e2a7b', API_KEY_VALUE, COOKIE, SIGNING, ROTATED, 'sk-rotated-77c2d0e4'];

function expectNoSecret(value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe.each(DATABASE_KINDS)('secret headers over REST, Socket.IO and logs on %s', (kind) => {
  let database: TestDatabase;
  let service: ServiceProcess;
  let webhook: WebhookServer;
  let events: EventClient;
  const answers: unknown[] = [];

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await call<T>(method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}`);
    return answer.body;
  }

  /** Runs the task now and waits for its run to end; the run as history shows it. */
  async function runOnce(taskId: string): Promise<RunView> {
    const run = await ok<RunView>('POST', `/api/tasks/${taskId}/run`);
    return waitFor(async () => {
      const page = await ok<{ items: RunView[] }>('GET', `/api/tasks/${taskId}/runs`);
      const done = page.items.find((item) => item.id === run.id);
      return done && !['pending', 'running'].includes(done.status) ? done : undefined;
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    webhook.respond = (received) => {
      // A receiver that echoes what it got, in a failure and in a success.
      const echo = JSON.stringify({ headers: received.headers });
      return received.path === '/fail' ? { status: 401, body: echo } : { status: 200, body: echo };
    };
    service = new ServiceProcess({ ...database.env, LOG_LEVEL: 'trace' }, await freePort());
    await service.start();
    events = new EventClient(service.url);
    await events.connected();
  });

  afterAll(async () => {
    events?.close();
    await service?.kill('SIGTERM');
    await webhook?.stop();
    await database?.drop();
  });

  const payload = (path: string) => ({
    url: `${webhook.url}${path}`,
    headers: {
      Authorization: AUTH,
      'x-api-key': API_KEY_VALUE,
      Cookie: COOKIE,
      'X-Signing-Key': SIGNING,
      'X-Trace': 'visible-trace',
    },
    secretHeaders: ['x-signing-key'],
  });
  const masked = (path: string) => ({
    ...payload(path),
    headers: {
      Authorization: '***',
      'x-api-key': '***',
      Cookie: '***',
      'X-Signing-Key': '***',
      'X-Trace': 'visible-trace',
    },
  });

  it('shows secrets as *** in the POST answer, GET one and GET list; the webhook receives them', async () => {
    const created = await ok<TaskView>('POST', '/api/tasks', {
      name: 'secret',
      handler: 'http',
      payload: payload('/ok'),
    });
    expect(created.payload).toEqual(masked('/ok'));
    expect((await ok<TaskView>('GET', `/api/tasks/${created.id}`)).payload).toEqual(masked('/ok'));
    const list = await ok<{ items: TaskView[] }>('GET', '/api/tasks?limit=500');
    expect(list.items.find((task) => task.id === created.id)?.payload).toEqual(masked('/ok'));

    const run = await runOnce(created.id);
    expect(run.status).toBe('succeeded');
    const [received] = webhook.callsTo('/ok');
    expect(received.headers).toMatchObject({
      authorization: AUTH,
      'x-api-key': API_KEY_VALUE,
      cookie: COOKIE,
      'x-signing-key': SIGNING,
      'x-trace': 'visible-trace',
    });
    // The webhook echoed every header: the stored result shows none of the secrets.
    expect((run.result as { body: { headers: Record<string, string> } }).body.headers).toMatchObject({
      authorization: '***',
      'x-api-key': '***',
      cookie: '***',
      'x-signing-key': '***',
      'x-trace': 'visible-trace',
    });
    expectNoSecret(run);
  });

  it('PATCH keeps a secret left out or sent as ***, sets a new one, removes one sent as null', async () => {
    const task = await ok<TaskView>('POST', '/api/tasks', {
      name: 'patched',
      handler: 'http',
      payload: payload('/p1'),
    });
    const lastCall = (path: string) => webhook.callsTo(path).at(-1)!.headers;

    // Left out: headers without Authorization, x-api-key, Cookie or X-Signing-Key; secretHeaders dropped too.
    const leftOut = await ok<TaskView>('PATCH', `/api/tasks/${task.id}`, {
      payload: { url: `${webhook.url}/p2`, headers: { 'X-Trace': 'second' } },
    });
    expect(leftOut.payload).toEqual({
      url: `${webhook.url}/p2`,
      headers: {
        'X-Trace': 'second',
        Authorization: '***',
        'x-api-key': '***',
        Cookie: '***',
        'X-Signing-Key': '***',
      },
      secretHeaders: ['X-Signing-Key'],
    });
    await runOnce(task.id);
    expect(lastCall('/p2')).toMatchObject({
      authorization: AUTH,
      'x-signing-key': SIGNING,
      'x-trace': 'second',
    });

    // Sent back as the GET shows it: every *** keeps its value.
    await ok('PATCH', `/api/tasks/${task.id}`, { payload: { ...leftOut.payload, url: `${webhook.url}/p3` } });
    await runOnce(task.id);
    expect(lastCall('/p3')).toMatchObject({ authorization: AUTH, cookie: COOKIE, 'x-signing-key': SIGNING });

    // A new value, and null removes.
    const changed = await ok<TaskView>('PATCH', `/api/tasks/${task.id}`, {
      payload: {
        url: `${webhook.url}/p4`,
        headers: { Authorization: ROTATED, Cookie: null, 'X-Signing-Key': null },
      },
    });
    expect(changed.payload).toEqual({
      url: `${webhook.url}/p4`,
      headers: { Authorization: '***', 'x-api-key': '***' },
    });
    await runOnce(task.id);
    const last = lastCall('/p4');
    expect(last).toMatchObject({ authorization: ROTATED, 'x-api-key': API_KEY_VALUE });
    expect(last.cookie).toBeUndefined();
    expect(last['x-signing-key']).toBeUndefined();
  });

  it('refuses *** on creation, null on creation, a bad secretHeaders and URL credentials, storing nothing', async () => {
    const before = await ok<{ items: TaskView[] }>('GET', '/api/tasks?limit=500');
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [
        { url: `${webhook.url}/x`, headers: { Authorization: '***' } },
        /payload\.headers\.Authorization: "\*\*\*" keeps/,
      ],
      [{ url: `${webhook.url}/x`, headers: { 'X-Trace': null } }, /payload\.headers\.X-Trace: null removes/],
      [{ url: `${webhook.url}/x`, secretHeaders: ['bad name'] }, /payload\.secretHeaders: must be an array/],
      [{ url: `${webhook.url}/x`, secretHeaders: 'x-token' }, /payload\.secretHeaders: must be an array/],
      [
        { url: `${webhook.url}/x`, headers: { Authorization: `${AUTH}\r\nX-Injected: 1` } },
        /Authorization: the value/,
      ],
      [{ url: webhook.url.replace('//', `//user:${SIGNING}@`) }, /payload\.url: must not hold credentials/],
    ];
    for (const [body, message] of refusals) {
      const answer = await call<{ statusCode: number; message: string }>('POST', '/api/tasks', {
        name: 'refused',
        handler: 'http',
        payload: body,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(message);
    }
    // A refused update changes nothing either.
    const task = await ok<TaskView>('POST', '/api/tasks', {
      name: 'kept',
      handler: 'http',
      payload: payload('/k'),
    });
    const refused = await call('PATCH', `/api/tasks/${task.id}`, {
      name: 'renamed',
      payload: { url: `${webhook.url}/k2`, headers: { Authorization: null, 'Proxy-Authorization': '***' } },
    });
    expect(refused.status).toBe(400);
    expect(await ok<TaskView>('GET', `/api/tasks/${task.id}`)).toEqual(task);
    await runOnce(task.id);
    expect(webhook.callsTo('/k').at(-1)!.headers).toMatchObject({ authorization: AUTH });
    const after = await ok<{ items: TaskView[] }>('GET', '/api/tasks?limit=500');
    expect(after.items.map((item) => item.id)).toEqual([...before.items.map((item) => item.id), task.id]);
  });

  it('a failing webhook that echoes the secrets leaves none in the task_error event or the run history', async () => {
    const task = await ok<TaskView>('POST', '/api/tasks', {
      name: 'fails',
      handler: 'http',
      payload: payload('/fail'),
    });
    const run = await runOnce(task.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/answered 401/);
    expect(run.error).toContain('***');
    expectNoSecret(run);
    const error = await waitFor(() => events.of(task.id).find((event) => event.name === 'task_error'));
    expect(error.payload.error).toBe(run.error);
  });

  it('no answer, Socket.IO event or log line ever held a secret', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) expectNoSecret(answer);
    expect(events.events.map((event) => event.name)).toEqual(
      expect.arrayContaining(['task_started', 'task_finished', 'task_error']),
    );
    expectNoSecret(events.events);
    // The service logged every request (trace level): none of its lines holds a secret.
    expect(service.output).toMatch(/"url":"\/api\/tasks/);
    expectNoSecret(service.output);
  });
});

describe.each(DATABASE_KINDS)('secret headers through TaskSchedulerService (a host app) on %s', (kind) => {
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

  it('answers in masked DTOs and follows the same update rule', async () => {
    const scheduler = service.app.get(TaskSchedulerService);
    const created = await scheduler.createTask({
      name: 'host',
      handler: 'http',
      payload: {
        url: 'http://127.0.0.1:9/hook',
        headers: { Authorization: AUTH, 'X-Signing-Key': SIGNING },
        secretHeaders: ['X-Signing-Key'],
      },
    });
    const shown = { Authorization: '***', 'X-Signing-Key': '***' };
    expect(created.payload?.headers).toEqual(shown);
    expect((await scheduler.getTask(created.id)).payload?.headers).toEqual(shown);
    expect((await scheduler.listTasks()).items[0].payload?.headers).toEqual(shown);
    const updated = await scheduler.updateTask(created.id, {
      payload: { url: 'http://127.0.0.1:9/other', headers: { Authorization: '***', 'X-Signing-Key': null } },
    });
    expect(updated.payload).toEqual({ url: 'http://127.0.0.1:9/other', headers: { Authorization: '***' } });
    await expect(
      scheduler.createTask({
        name: 'h2',
        handler: 'http',
        payload: { url: 'http://127.0.0.1:9/', headers: { Cookie: '***' } },
      }),
    ).rejects.toThrow('payload.headers.Cookie: "***" keeps the stored secret value');
    expectNoSecret([created, updated, await scheduler.listTasks()]);
  });
});
