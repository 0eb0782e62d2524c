import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { callTool as call, restCall, SCOUT_TOOL_NAMES } from './support/mcp-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

const API_KEY = 'scout-mcp-stdio-key-0123456789';
// Tests run from the project root (jest rootDir); ES modules have no __dirname. Built by `npx nest build`.
const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');

/** The `scout-scheduler mcp` command (stdio), as a desktop agent starts it, against the real service. */
describe.each(DATABASE_KINDS)('MCP over stdio on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp({ ...database.env, API_KEY });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('lists the tools and schedules through the REST API, with the key from SCOUT_API_KEY', async () => {
    const stdio = new Client({ name: 'e2e-stdio', version: '1' });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp', '--url', service.url],
        env: { PATH: process.env.PATH ?? '', SCOUT_API_KEY: API_KEY },
        stderr: 'pipe',
      }),
    );
    try {
      expect((await stdio.listTools()).tools.map((tool) => tool.name)).toEqual(SCOUT_TOOL_NAMES);
      const made = await call(stdio, 'schedule_task', { name: 'stdio task', when: 'in:1h', handler: 'noop' });
      expect(made.isError).toBe(false);
      const stored = await restCall(service.url, API_KEY, 'GET', `/api/tasks/${made.json.task.id}/schedule`);
      expect(stored.body).toMatchObject({ schedule: 'in:1h', type: 'once' });

      const badSpec = await call(stdio, 'preview_schedule', { when: 'cron:61 * * * *' });
      expect(badSpec).toMatchObject({
        isError: true,
        json: { statusCode: 400, error: 'Bad Request', message: 'minute field: 61 is out of range 0-59' },
      });
      expect((await call(stdio, 'delete_task', { taskId: made.json.task.id })).json.deleted).toBe(true);
    } finally {
      await stdio.close();
    }
  });

  it('a wrong key comes back as the 401 tool error, and an unreachable service as Unavailable', async () => {
    for (const [url, key, expected] of [
      [service.url, 'not-the-key-at-all-000', { statusCode: 401, message: 'wrong API key' }],
      ['http://127.0.0.1:9', API_KEY, { error: 'Unavailable' }],
    ] as const) {
      const stdio = new Client({ name: 'e2e-stdio', version: '1' });
      await stdio.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [CLI, 'mcp', '--url', url, '--api-key', key],
          env: { PATH: process.env.PATH ?? '' },
          stderr: 'pipe',
        }),
      );
      try {
        const answer = await call(stdio, 'list_tasks', {});
        expect(answer).toMatchObject({ isError: true, json: expected });
      } finally {
        await stdio.close();
      }
    }
  });
});
