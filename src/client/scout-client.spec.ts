import { ScoutApiError } from './scout-api-error';
import { ScoutClient, type FetchLike } from './scout-client';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A fake fetch that records each call and answers from a queue. */
function fakeFetch(answers: Array<{ status: number; body?: unknown; statusText?: string }>) {
  const calls: Call[] = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({
      url,
      method: init.method,
      headers: init.headers,
      body: init.body === undefined ? undefined : JSON.parse(init.body),
    });
    const answer = answers.shift() ?? { status: 200, body: {} };
    const text =
      answer.body === undefined
        ? ''
        : typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body);
    return Promise.resolve({
      status: answer.status,
      statusText: answer.statusText ?? 'OK',
      ok: answer.status >= 200 && answer.status < 300,
      text: () => Promise.resolve(text),
    });
  };
  return { fetch, calls };
}

const ID = '4f0c6a2e-5b1d-4c3e-9f7a-2b8c1d0e9f11';

describe('ScoutClient', () => {
  it('sends each call to its route with its method, body and the API key', async () => {
    const { fetch, calls } = fakeFetch([]);
    const client = new ScoutClient({ baseUrl: 'http://127.0.0.1:3000/', apiKey: 'k3y', fetch });
    await client.createTask({ name: 'digest', handler: 'noop', schedule: 'every 30m' });
    await client.listTasks({ limit: 10, cursor: 'abc' });
    await client.getTask(ID);
    await client.updateTask(ID, { description: null });
    await client.deleteTask(ID);
    await client.runTaskNow(ID);
    await client.getTaskRuns(ID, { before: '2027-01-01T00:00:00Z' });
    await client.scheduleTask(ID, { schedule: 'cron:0 * * * *', timezone: 'Europe/Berlin' });
    await client.getSchedule(ID);
    await client.pauseSchedule(ID);
    await client.resumeSchedule(ID);
    await client.cancelSchedule(ID);
    await client.listSchedules();
    await client.previewSchedule({ spec: 'cron:30 2 * * *', timezone: 'UTC', count: 3 });
    await client.publishEvent('report.ready', { v: 1 }, { chainDepth: 2 });
    await client.listInstances();
    await client.health();

    const base = 'http://127.0.0.1:3000';
    expect(calls.map((call) => `${call.method} ${call.url.slice(base.length)}`)).toEqual([
      'POST /api/tasks',
      'GET /api/tasks?limit=10&cursor=abc',
      `GET /api/tasks/${ID}`,
      `PATCH /api/tasks/${ID}`,
      `DELETE /api/tasks/${ID}`,
      `POST /api/tasks/${ID}/run`,
      `GET /api/tasks/${ID}/runs?before=2027-01-01T00%3A00%3A00Z`,
      `POST /api/tasks/${ID}/schedule`,
      `GET /api/tasks/${ID}/schedule`,
      `POST /api/tasks/${ID}/schedule/pause`,
      `POST /api/tasks/${ID}/schedule/resume`,
      `DELETE /api/tasks/${ID}/schedule`,
      'GET /api/schedules',
      'GET /api/schedules/preview?schedule=cron%3A30+2+*+*+*&timezone=UTC&count=3',
      'POST /api/events/report.ready',
      'GET /api/instances',
      'GET /health',
    ]);
    expect(calls.every((call) => call.headers['x-api-key'] === 'k3y')).toBe(true);
    expect(calls[0].body).toEqual({ name: 'digest', handler: 'noop', schedule: 'every 30m' });
    expect(calls[0].headers['content-type']).toBe('application/json');
    expect(calls[3].body).toEqual({ description: null });
    expect(calls[7].body).toEqual({ schedule: 'cron:0 * * * *', timezone: 'Europe/Berlin' });
    expect(calls[14].body).toEqual({ payload: { v: 1 } });
    expect(calls[14].headers['x-scout-chain-depth']).toBe('2');
    // Bodiless calls send no content type (the API refuses a non-JSON one with 415).
    expect(calls[5].headers['content-type']).toBeUndefined();
  });

  it('passes a plain-English preview through as text', async () => {
    const { fetch, calls } = fakeFetch([]);
    await new ScoutClient({ baseUrl: 'http://127.0.0.1:1', fetch }).previewSchedule({
      text: 'every day at 9am',
    });
    expect(calls[0].url).toBe('http://127.0.0.1:1/api/schedules/preview?text=every+day+at+9am');
    expect(calls[0].headers['x-api-key']).toBeUndefined();
  });

  it('escapes ids and event names, so no value reaches another route', async () => {
    const { fetch, calls } = fakeFetch([]);
    const client = new ScoutClient({ baseUrl: 'http://127.0.0.1:1', fetch });
    await client.getTask('../instances');
    await client.publishEvent('a/b?c');
    expect(calls.map((call) => call.url)).toEqual([
      'http://127.0.0.1:1/api/tasks/..%2Finstances',
      'http://127.0.0.1:1/api/events/a%2Fb%3Fc',
    ]);
    expect(calls[1].body).toEqual({});
  });

  it('answers parsed JSON, and nothing for a 204', async () => {
    const task = { id: ID, name: 'x' };
    const { fetch } = fakeFetch([{ status: 201, body: task }, { status: 204 }]);
    const client = new ScoutClient({ baseUrl: 'http://127.0.0.1:1', fetch });
    await expect(client.createTask({ name: 'x' })).resolves.toEqual(task);
    await expect(client.deleteTask(ID)).resolves.toBeUndefined();
  });

  it("throws ScoutApiError with the API's status, error, message and further details", async () => {
    const { fetch } = fakeFetch([
      {
        status: 400,
        statusText: 'Bad Request',
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message:
            'name is required; minute field: 61 is out of range 0-59; property colour should not exist',
          fields: { name: 'required' },
        },
      },
      { status: 502, statusText: 'Bad Gateway', body: '<html>proxy down</html>' },
    ]);
    const client = new ScoutClient({ baseUrl: 'http://127.0.0.1:1', fetch });
    const error = (await client.createTask({ name: '' }).catch((e: unknown) => e)) as ScoutApiError;
    expect(error).toBeInstanceOf(ScoutApiError);
    expect(error).toMatchObject({
      status: 400,
      error: 'Bad Request',
      details: { fields: { name: 'required' } },
    });
    expect(error.message).toBe(
      'name is required; minute field: 61 is out of range 0-59; property colour should not exist',
    );
    expect(error.byField(['name', 'handler', 'schedule'])).toEqual({
      name: ['name is required'],
      schedule: ['minute field: 61 is out of range 0-59'],
      '': ['property colour should not exist'],
    });

    const proxy = (await client.listInstances().catch((e: unknown) => e)) as ScoutApiError;
    expect(proxy).toMatchObject({ status: 502, error: 'Bad Gateway', message: '<html>proxy down</html>' });
    expect(proxy.details).toBeUndefined();
  });

  it('reads the schedule spec errors of every form as the schedule field', () => {
    const error = new ScoutApiError(
      400,
      'Bad Request',
      'every: interval must be at least 1s; timezone: "Mars/Base" is not an IANA time zone; handler: unknown handler "mail"',
    );
    expect(error.byField(['name', 'handler', 'payload', 'schedule', 'timezone'])).toEqual({
      schedule: ['every: interval must be at least 1s'],
      timezone: ['timezone: "Mars/Base" is not an IANA time zone'],
      handler: ['handler: unknown handler "mail"'],
    });
  });
});
