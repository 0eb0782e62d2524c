import type { TaskRunView as Run, TaskView as Task } from '../src/api/contract';
import { expectError } from './support/error-assertions';
import { jest } from '@jest/globals';
import request from 'supertest';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor, WebhookServer } from './support/webhook-server';

/**
 * Loops of tasks: an `after:` cycle of any length is refused when it is scheduled; an `on:` loop
 * (which cannot be seen in advance: here it goes through a webhook that publishes the event
 * again) stops at SCHEDULER_MAX_CHAIN_DEPTH, its last fire recorded `skipped`.
 */
jest.setTimeout(60_000);

const MAX_DEPTH = 5;

describe.each(DATABASE_KINDS)('chain loops on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let webhook: WebhookServer;
  const api = () => request(service.url);

  async function createTask(name: string, extra: Record<string, unknown> = {}): Promise<Task> {
    const { body } = await api()
      .post('/api/tasks')
      .send({ name, ...extra })
      .expect(201);
    return body as Task;
  }

  async function runsOf(taskId: string): Promise<Run[]> {
    const { body } = await api().get(`/api/tasks/${taskId}/runs`).query({ limit: 500 }).expect(200);
    return body.items as Run[];
  }

  /** Every schedule as stored (what a refused request must leave alone). */
  async function allSchedules(): Promise<unknown[]> {
    const { body } = await api().get('/api/schedules').query({ limit: 500 }).expect(200);
    return body.items as unknown[];
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    // The receiver publishes the event that called it again, passing on the depth it was given.
    webhook.respond = (call) => {
      if (call.path === '/loop') {
        const depth = call.headers['x-scout-chain-depth'] as string;
        void fetch(`${service.url}/api/events/loop`, {
          method: 'POST',
          headers: { 'x-scout-chain-depth': depth },
        });
      }
      return { status: 200, body: '{"ok":true}' };
    };
    service = await startTestApp({ ...database.env, SCHEDULER_MAX_CHAIN_DEPTH: String(MAX_DEPTH) });
  });

  afterAll(async () => {
    await service?.close();
    await webhook?.stop();
    await database?.drop();
  });

  describe('after: cycles are refused', () => {
    it('a cycle of two → 400 naming both tasks; nothing stored changes', async () => {
      const x = await createTask('x2');
      const y = await createTask('y2');
      await api()
        .post(`/api/tasks/${y.id}/schedule`)
        .send({ schedule: `after:${x.id}` })
        .expect(201);
      const xSchedule = (
        await api().post(`/api/tasks/${x.id}/schedule`).send({ schedule: 'every 1h' }).expect(201)
      ).body;
      const before = await allSchedules();

      expectError(
        await api()
          .post(`/api/tasks/${x.id}/schedule`)
          .send({ schedule: `after:${y.id}` }),
        400,
        'Bad Request',
        `after: would make a cycle: ${x.id} ("x2") → ${y.id} ("y2") → ${x.id} ("x2")`,
      );
      expect(await allSchedules()).toEqual(before);
      expect((await api().get(`/api/tasks/${x.id}/schedule`).expect(200)).body).toEqual(xSchedule);
    });

    it('a cycle of three (x → y → z → x) → 400 naming the three tasks in order; nothing stored changes', async () => {
      const x = await createTask('x3');
      const y = await createTask('y3');
      const z = await createTask('z3');
      await api()
        .post(`/api/tasks/${y.id}/schedule`)
        .send({ schedule: `after:${x.id}` })
        .expect(201);
      await api()
        .post(`/api/tasks/${z.id}/schedule`)
        .send({ schedule: `after:${y.id}` })
        .expect(201);
      const before = await allSchedules();

      expectError(
        await api()
          .post(`/api/tasks/${x.id}/schedule`)
          .send({ schedule: `after:${z.id}` }),
        400,
        'Bad Request',
        `after: would make a cycle: ${x.id} ("x3") → ${y.id} ("y3") → ${z.id} ("z3") → ${x.id} ("x3")`,
      );
      expect(await allSchedules()).toEqual(before);
      expectError(await api().get(`/api/tasks/${x.id}/schedule`), 404, 'Not Found', 'has no schedule');
      // A chain that closes no cycle is still fine: x after an unrelated task.
      const free = await createTask('free');
      await api()
        .post(`/api/tasks/${x.id}/schedule`)
        .send({ schedule: `after:${free.id}` })
        .expect(201);
    });

    it('two requests adding the two halves of a cycle at once: exactly one is stored', async () => {
      for (let round = 0; round < 5; round++) {
        const a = await createTask(`a${round}`);
        const b = await createTask(`b${round}`);
        const [first, second] = await Promise.all([
          api()
            .post(`/api/tasks/${a.id}/schedule`)
            .send({ schedule: `after:${b.id}` }),
          api()
            .post(`/api/tasks/${b.id}/schedule`)
            .send({ schedule: `after:${a.id}` }),
        ]);
        expect([first.status, second.status].sort()).toEqual([201, 400]);
        const refused = first.status === 400 ? first : second;
        expect(refused.body.message).toMatch(/^after: would make a cycle: /);
        const stored = await Promise.all([a, b].map((task) => api().get(`/api/tasks/${task.id}/schedule`)));
        expect(stored.map((response) => response.status).sort()).toEqual([200, 404]);
      }
    });
  });

  describe('the chain depth guard', () => {
    it('an on: loop through a webhook stops at SCHEDULER_MAX_CHAIN_DEPTH; the last fire is skipped with the reason', async () => {
      const looping = await createTask('loops', { handler: 'http', payload: { url: `${webhook.url}/loop` } });
      await api().post(`/api/tasks/${looping.id}/schedule`).send({ schedule: 'on:loop' }).expect(201);

      const { body } = await api().post('/api/events/loop').expect(202);
      expect(body.runs).toEqual([expect.objectContaining({ taskId: looping.id, chainDepth: 1 })]);

      const runs = await waitFor(
        async () => {
          const all = await runsOf(looping.id);
          return all.some((run) => run.status === 'skipped') ? all : undefined;
        },
        20_000,
        'the loop to be cut',
      );
      // Nothing runs after the skip: the loop is over.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await runsOf(looping.id)).toHaveLength(runs.length);

      const byDepth = [...runs].sort((a, b) => a.chainDepth - b.chainDepth);
      expect(byDepth.map((run) => [run.chainDepth, run.status])).toEqual([
        [1, 'succeeded'],
        [2, 'succeeded'],
        [3, 'succeeded'],
        [4, 'succeeded'],
        [5, 'succeeded'],
        [6, 'skipped'],
      ]);
      expect(byDepth[5]).toMatchObject({
        trigger: 'event',
        startedAt: null,
        error: `skipped: chain depth 6 exceeds SCHEDULER_MAX_CHAIN_DEPTH (${MAX_DEPTH}); is there an on:/after: loop?`,
      });
      expect(webhook.callsTo('/loop').map((call) => call.headers['x-scout-chain-depth'])).toEqual([
        '1',
        '2',
        '3',
        '4',
        '5',
      ]);
    });

    it('an after: run is one deeper than the run it follows', async () => {
      const first = await createTask('first');
      const second = await createTask('second');
      await api()
        .post(`/api/tasks/${second.id}/schedule`)
        .send({ schedule: `after:${first.id}` })
        .expect(201);
      const { body: manual } = await api().post(`/api/tasks/${first.id}/run`).expect(202);
      expect(manual.chainDepth).toBe(0);
      const [chained] = await waitFor(async () => {
        const done = (await runsOf(second.id)).filter((run) => run.status === 'succeeded');
        return done.length > 0 ? done : undefined;
      });
      expect(chained).toMatchObject({ trigger: 'chain', chainDepth: 1 });
    });

    it('an X-Scout-Chain-Depth that is not a non-negative integer → 400, and no run starts', async () => {
      const listener = await createTask('guarded by depth');
      await api().post(`/api/tasks/${listener.id}/schedule`).send({ schedule: 'on:deep' }).expect(201);
      for (const value of ['abc', '-1', '1.5', '1e3', '', '99999999999999999999']) {
        expectError(
          await api().post('/api/events/deep').set('X-Scout-Chain-Depth', value),
          400,
          'Bad Request',
          'X-Scout-Chain-Depth must be a non-negative integer',
        );
      }
      expect(await runsOf(listener.id)).toEqual([]);
      // A depth already at the limit: the event's run is recorded skipped, not run.
      const { body } = await api().post('/api/events/deep').set('X-Scout-Chain-Depth', String(MAX_DEPTH));
      expect(body.runs).toEqual([
        expect.objectContaining({ taskId: listener.id, status: 'skipped', chainDepth: MAX_DEPTH + 1 }),
      ]);
    });
  });
});
