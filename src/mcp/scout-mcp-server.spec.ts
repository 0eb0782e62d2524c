import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ScoutApiError } from '../client/scout-api-error';
import type { ScoutBackend } from './scout-backend';
import { createScoutMcpServer, SCOUT_TOOLS } from './scout-mcp-server';

const TASK = { id: '0b7c0d3e-4a6f-4c2b-9a51-6f1f2d3c4b5a', name: 'digest', nextRunAt: null };
const PREVIEW = {
  spec: 'every 1h',
  type: 'interval',
  description: 'Every 1 hour',
  timezone: 'Europe/Berlin',
  nextRunTimes: ['2027-01-01T01:00:00.000Z'],
  interpretedFrom: null,
};
const SCHEDULE = { id: 's1', taskId: TASK.id, schedule: 'every 1h', nextRunAt: '2027-01-01T01:00:00.000Z' };

/** A backend that records every call and answers canned values (or throws what a test sets). */
function fakeBackend(overrides: Partial<Record<keyof ScoutBackend, (...args: unknown[]) => unknown>> = {}) {
  const calls: Array<[string, unknown[]]> = [];
  const answers: Record<keyof ScoutBackend, unknown> = {
    createTask: TASK,
    listTasks: { items: [TASK], nextCursor: null },
    getTask: TASK,
    deleteTask: undefined,
    runTaskNow: { id: 'r1', taskId: TASK.id, status: 'running' },
    getTaskRuns: { items: [], nextCursor: null },
    scheduleTask: SCHEDULE,
    getSchedule: SCHEDULE,
    pauseSchedule: { ...SCHEDULE, paused: true },
    resumeSchedule: { ...SCHEDULE, paused: false },
    cancelSchedule: undefined,
    previewSchedule: PREVIEW,
    publishEvent: { event: 'deploy', runs: [] },
  };
  const backend = Object.fromEntries(
    Object.keys(answers).map((name) => [
      name,
      (...args: unknown[]) => {
        calls.push([name, args]);
        const override = overrides[name as keyof ScoutBackend];
        return Promise.resolve(override ? override(...args) : answers[name as keyof ScoutBackend]);
      },
    ]),
  ) as unknown as ScoutBackend;
  return { backend, calls, names: () => calls.map(([name]) => name) };
}

async function connect(backend: ScoutBackend): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createScoutMcpServer(backend, '0.0.0-test').connect(serverSide);
  const client = new Client({ name: 'spec', version: '1' });
  await client.connect(clientSide);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (result.content[0] as { text: string }).text;
  return { isError: result.isError === true, text, json: safeJson(text) };
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe('the MCP tools', () => {
  it('lists all 11 tools with descriptions, schemas and the three annotations', async () => {
    const client = await connect(fakeBackend().backend);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      'schedule_task',
      'preview_schedule',
      'list_tasks',
      'get_task',
      'get_task_runs',
      'pause_schedule',
      'resume_schedule',
      'cancel_schedule',
      'run_task_now',
      'publish_event',
      'delete_task',
    ]);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe('object');
      expect(Object.keys(tool.annotations!).sort()).toEqual(
        expect.arrayContaining(['destructiveHint', 'idempotentHint', 'readOnlyHint']),
      );
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.schedule_task.inputSchema.required).toEqual(['name', 'when']);
    const when = (byName.schedule_task.inputSchema.properties as Record<string, { description: string }>)
      .when;
    expect(when.description).toContain('every weekday at 9am');
    expect(when.description).toContain('cron:0 9 * * 1-5');
    expect(byName.list_tasks.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName.delete_task.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.run_task_now.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
    expect(SCOUT_TOOLS).toHaveLength(11);
  });

  it('schedule_task with dryRun only previews: nothing is created', async () => {
    const fake = fakeBackend();
    const client = await connect(fake.backend);
    const answer = await call(client, 'schedule_task', {
      name: 'digest',
      when: 'every 1h',
      timezone: 'Europe/Berlin',
      dryRun: true,
    });
    expect(answer.isError).toBe(false);
    expect(answer.json).toEqual({
      dryRun: true,
      saved: false,
      spec: 'every 1h',
      type: 'interval',
      description: 'Every 1 hour',
      nextRunTimes: PREVIEW.nextRunTimes,
      timezone: 'Europe/Berlin',
    });
    expect(fake.names()).toEqual(['previewSchedule']);
    expect(fake.calls[0][1][0]).toEqual({
      spec: 'every 1h',
      text: undefined,
      timezone: 'Europe/Berlin',
      count: 5,
    });
  });

  it('schedule_task previews, creates, then schedules; English goes as text', async () => {
    const fake = fakeBackend({
      previewSchedule: () => ({
        ...PREVIEW,
        spec: 'cron:0 9 * * 1-5',
        interpretedFrom: 'every weekday at 9am',
      }),
    });
    const client = await connect(fake.backend);
    const answer = await call(client, 'schedule_task', {
      name: 'digest',
      when: 'every weekday at 9am',
      handler: 'noop',
      payload: { a: 1 },
      maxRetries: 2,
    });
    expect(answer.isError).toBe(false);
    expect(answer.json?.schedule).toEqual(SCHEDULE);
    expect(answer.json?.task).toMatchObject({ id: TASK.id, nextRunAt: SCHEDULE.nextRunAt });
    expect(fake.names()).toEqual(['previewSchedule', 'createTask', 'scheduleTask']);
    expect(fake.calls[0][1][0]).toMatchObject({ spec: undefined, text: 'every weekday at 9am' });
    expect(fake.calls[1][1][0]).toEqual({ name: 'digest', handler: 'noop', payload: { a: 1 } });
    expect(fake.calls[2][1]).toEqual([TASK.id, { text: 'every weekday at 9am', maxRetries: 2 }]);
  });

  it('a refused schedule removes the task made for it and answers the refusal', async () => {
    const refusal = new ScoutApiError(400, 'Bad Request', 'timeoutSeconds must not be less than 0');
    const fake = fakeBackend({
      scheduleTask: () => {
        throw refusal;
      },
    });
    const client = await connect(fake.backend);
    const answer = await call(client, 'schedule_task', { name: 'x', when: 'in:1h', timeoutSeconds: -1 });
    expect(answer.isError).toBe(true);
    expect(answer.json).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'timeoutSeconds must not be less than 0',
    });
    expect(fake.names()).toEqual(['previewSchedule', 'createTask', 'scheduleTask', 'deleteTask']);
    expect(fake.calls[3][1]).toEqual([TASK.id]);
  });

  it("answers the API's error body as a tool error, and an unreachable service as Unavailable", async () => {
    const notFound = new ScoutApiError(404, 'Not Found', `task ${TASK.id} not found`);
    const client = await connect(
      fakeBackend({
        getTask: () => {
          throw notFound;
        },
        listTasks: () => {
          throw new TypeError('fetch failed');
        },
      }).backend,
    );
    const missing = await call(client, 'get_task', { taskId: TASK.id });
    expect(missing).toMatchObject({
      isError: true,
      json: { statusCode: 404, error: 'Not Found', message: `task ${TASK.id} not found` },
    });
    const down = await call(client, 'list_tasks', {});
    expect(down).toMatchObject({
      isError: true,
      json: { error: 'Unavailable', message: 'the scheduler could not be reached: fetch failed' },
    });
  });

  it('a wrong type never reaches the backend: the schema refuses it as a tool error', async () => {
    const fake = fakeBackend();
    const client = await connect(fake.backend);
    const answer = await call(client, 'schedule_task', { name: 'x', when: 5 });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/when/);
    expect(fake.calls).toEqual([]);
  });

  it('each other tool calls its one backend method with the ids and options given', async () => {
    const fake = fakeBackend();
    const client = await connect(fake.backend);
    const id = TASK.id;
    const expectations: Array<[string, Record<string, unknown>, string, unknown[]]> = [
      [
        'preview_schedule',
        { when: 'cron:0 9 * * *', count: 3 },
        'previewSchedule',
        [{ spec: 'cron:0 9 * * *', text: undefined, timezone: undefined, count: 3 }],
      ],
      ['list_tasks', { limit: 10 }, 'listTasks', [{ limit: 10, cursor: undefined }]],
      ['get_task_runs', { taskId: id, limit: 5 }, 'getTaskRuns', [id, { limit: 5, before: undefined }]],
      ['pause_schedule', { taskId: id }, 'pauseSchedule', [id]],
      ['resume_schedule', { taskId: id }, 'resumeSchedule', [id]],
      ['cancel_schedule', { taskId: id }, 'cancelSchedule', [id]],
      ['run_task_now', { taskId: id }, 'runTaskNow', [id]],
      ['publish_event', { name: 'deploy', payload: { v: 1 } }, 'publishEvent', ['deploy', { v: 1 }]],
      ['delete_task', { taskId: id }, 'deleteTask', [id]],
    ];
    for (const [tool, args, method, expected] of expectations) {
      fake.calls.length = 0;
      const answer = await call(client, tool, args);
      expect(answer.isError).toBe(false);
      expect(fake.calls).toEqual([[method, expected]]);
    }
    fake.calls.length = 0;
    const task = await call(client, 'get_task', { taskId: id });
    expect(task.json).toEqual({ task: TASK, schedule: SCHEDULE });
    expect(fake.names()).toEqual(['getTask', 'getSchedule']);
  });

  it('get_task answers schedule null for a task without one', async () => {
    const client = await connect(
      fakeBackend({
        getSchedule: () => {
          throw new ScoutApiError(404, 'Not Found', 'no schedule');
        },
      }).backend,
    );
    expect((await call(client, 'get_task', { taskId: TASK.id })).json).toEqual({
      task: TASK,
      schedule: null,
    });
  });
});
