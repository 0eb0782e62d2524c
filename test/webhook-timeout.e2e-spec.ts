import type { TaskRunView as Run } from '../src/api/contract';
import request from 'supertest';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor, WebhookServer } from './support/webhook-server';

/**
 * A webhook that never answers holds a run no longer than HTTP_HANDLER_TIMEOUT_SECONDS (here 1 s),
 * even when its schedule gives no timeout, and the run's error says which bound it hit.
 */
describe.each(DATABASE_KINDS)('webhook timeouts on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let webhook: WebhookServer;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    webhook.respond = (call) =>
      call.path === '/hang' ? { status: 200, delayMs: 30_000 } : { status: 200, body: '{"ok":true}' };
    service = await startTestApp({ ...database.env, HTTP_HANDLER_TIMEOUT_SECONDS: '1' });
  });

  afterAll(async () => {
    await service?.close();
    await webhook?.stop();
    await database?.drop();
  });

  async function finishedRun(taskId: string, runId: string): Promise<Run> {
    return waitFor(
      async () => {
        const { body } = await request(service.url).get(`/api/tasks/${taskId}/runs`).expect(200);
        return (body.items as Run[]).find((run) => run.id === runId && run.status !== 'running');
      },
      10_000,
      `run ${runId} to end`,
    );
  }

  it('a hanging webhook fails the run after HTTP_HANDLER_TIMEOUT_SECONDS, saying so', async () => {
    const url = `${webhook.url}/hang`;
    const { body: task } = await request(service.url)
      .post('/api/tasks')
      .send({ name: 'hangs', handler: 'http', payload: { url } })
      .expect(201);
    const { body: run } = await request(service.url).post(`/api/tasks/${task.id}/run`).expect(202);
    const done = await finishedRun(task.id as string, run.id as string);
    expect(done.status).toBe('failed');
    expect(done.error).toBe(`POST ${url} gave no answer within 1 s (HTTP_HANDLER_TIMEOUT_SECONDS)`);
    expect(done.durationMs).toBeGreaterThanOrEqual(950);
    expect(done.durationMs).toBeLessThan(3_000);
    expect(webhook.callsTo('/hang')).toHaveLength(1);
  });

  it('timeoutSeconds 0 is accepted (no run timeout); the http bound still ends a hanging call', async () => {
    const url = `${webhook.url}/hang`;
    const { body: task } = await request(service.url)
      .post('/api/tasks')
      .send({ name: 'hangs, no timeout', handler: 'http', payload: { url } })
      .expect(201);
    const { body: schedule } = await request(service.url)
      .post(`/api/tasks/${task.id}/schedule`)
      .send({ schedule: 'on:hang', timeoutSeconds: 0 })
      .expect(201);
    expect(schedule.timeoutSeconds).toBe(0);
    const { body } = await request(service.url).post('/api/events/hang').expect(202);
    const done = await finishedRun(task.id as string, body.runs[0].id as string);
    expect(done).toMatchObject({
      status: 'failed',
      error: `POST ${url} gave no answer within 1 s (HTTP_HANDLER_TIMEOUT_SECONDS)`,
    });
  });
});
