import type { TaskRunView as RunView } from '../src/api/contract';
import { callApi } from './support/api-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { freePort, ServiceProcess } from './support/service-process';
import { waitFor, WebhookServer } from './support/webhook-server';

const runsOf = async (service: ServiceProcess, taskId: string) =>
  (await callApi<{ items: RunView[] }>(service.url, 'GET', `/api/tasks/${taskId}/runs?limit=500`)).items;

/** When a run was planned: its id is a UUIDv7, whose first 48 bits are the Unix time in ms. */
const plannedAt = (runId: string) => parseInt(runId.replaceAll('-', '').slice(0, 12), 16);

/**
 * Crash safety: kill -9 the service with a run in flight and a one-shot falling due
 * while it is down, start it again on the same database, and account for every run.
 */
describe.each(DATABASE_KINDS)('restart after SIGKILL on %s', (kind) => {
  let database: TestDatabase;
  let webhook: WebhookServer;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    // The in-flight run's webhook answers long after the crash; the one-shot's catch-up takes 3 s,
    // so it can be seen running.
    webhook.respond = (call) =>
      call.path.startsWith('/slow')
        ? { status: 200, delayMs: 20_000 }
        : { status: 200, delayMs: call.path === '/once' ? 3_000 : 0 };
    service = new ServiceProcess(database.env, await freePort());
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await service?.kill();
    await webhook?.stop();
    await database?.drop();
  });

  it('marks the cut-off runs interrupted (without the downtime), catches up exactly once, late, and never duplicates a fire', async () => {
    const task = (name: string, path: string) =>
      callApi<{ id: string }>(service.url, 'POST', '/api/tasks', {
        name,
        handler: 'http',
        payload: { url: `${webhook.url}${path}`, method: 'POST' },
      });
    const inFlight = await task('in flight', '/slow');
    const oneShot = await task('one-shot', '/once');
    const everySecond = await task('every second', '/tick');

    await callApi(service.url, 'POST', `/api/tasks/${everySecond.id}/schedule`, {
      schedule: 'cron:* * * * * *',
    });
    await waitFor(() => webhook.callsTo('/tick').length >= 2, 10_000, 'the every-second task to fire');
    const run = await callApi<RunView>(service.url, 'POST', `/api/tasks/${inFlight.id}/run`);
    await waitFor(
      async () => (await runsOf(service, inFlight.id))[0]?.status === 'running',
      5_000,
      'running',
    );
    // A scheduled run in flight: its start is recorded by the instance's start watermark, its row
    // stays a claim until it ends; the API still tells it running, and the crash interrupts it.
    const scheduledSlow = await task('scheduled slow', '/slow-scheduled');
    await callApi(service.url, 'POST', `/api/tasks/${scheduledSlow.id}/schedule`, { schedule: 'in:1s' });
    await waitFor(() => webhook.callsTo('/slow-scheduled').length === 1, 5_000, 'the scheduled run to start');
    expect((await runsOf(service, scheduledSlow.id))[0]?.status).toBe('running');
    const [scheduledRun] = await runsOf(service, scheduledSlow.id);
    expect(scheduledRun.startedAt).toEqual(expect.any(String));
    expect(
      (await callApi<{ status: string }>(service.url, 'GET', `/api/tasks/${scheduledSlow.id}`)).status,
    ).toBe('running');
    const dueAt = new Date(Date.now() + 2_500);
    await callApi(service.url, 'POST', `/api/tasks/${oneShot.id}/schedule`, {
      schedule: `at:${dueAt.toISOString()}`,
    });

    await service.kill('SIGKILL');
    const killedAt = Date.now();
    // Down for at least 5 s, and past the one-shot's instant.
    const downUntil = Math.max(dueAt.getTime() + 2_000, killedAt + 5_000);
    await new Promise((resolve) => setTimeout(resolve, downUntil - Date.now()));
    expect(webhook.callsTo('/once')).toHaveLength(0);
    const restartBegan = Date.now();
    await service.start();

    // The one-shot that fell due while down runs once, late, within the misfire grace period.
    await waitFor(() => webhook.callsTo('/once').length === 1, 10_000, 'the one-shot catch-up');
    // While it runs, its start is when it really started (after the restart), not its instant.
    const [catchUp] = await runsOf(service, oneShot.id);
    expect(catchUp).toMatchObject({ status: 'running', scheduledFor: dueAt.toISOString() });
    expect(Date.parse(catchUp.startedAt!)).toBeGreaterThanOrEqual(restartBegan);
    // The run cut off by the crash is interrupted.
    await waitFor(
      async () => (await runsOf(service, inFlight.id)).find((r) => r.id === run.id)?.status === 'interrupted',
      10_000,
      'the in-flight run to be interrupted',
    );
    await waitFor(
      async () => (await runsOf(service, scheduledSlow.id))[0]?.status === 'interrupted',
      10_000,
      'the scheduled in-flight run to be interrupted',
    );
    // An interrupted run ends at its instance's last heartbeat (every 2 s), not at the recovery:
    // its duration leaves out the downtime.
    for (const cut of [
      (await runsOf(service, inFlight.id)).find((r) => r.id === run.id)!,
      (await runsOf(service, scheduledSlow.id))[0],
    ]) {
      const startedAt = Date.parse(cut.startedAt!);
      // (the heartbeat has microseconds, the API's instants milliseconds)
      expect(Math.abs(cut.durationMs! - (Date.parse(cut.finishedAt!) - startedAt))).toBeLessThanOrEqual(1);
      expect(cut.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(cut.finishedAt!)).toBeLessThanOrEqual(killedAt + 50);
      expect(cut.durationMs).toBeLessThan(restartBegan - startedAt - 4_000);
    }
    const ticksAfterRestart = webhook.callsTo('/tick').length;
    await waitFor(() => webhook.callsTo('/tick').length >= ticksAfterRestart + 2, 10_000, 'ticks to resume');
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(webhook.callsTo('/once')).toHaveLength(1);
    // Started once before the crash, never again after it.
    expect(webhook.callsTo('/slow-scheduled')).toHaveLength(1);
    expect(await runsOf(service, scheduledSlow.id)).toEqual([
      expect.objectContaining({ id: scheduledRun.id, status: 'interrupted' }),
    ]);
    // The catch-up's webhook takes 3 s: wait for it to end (a slow machine may still be in it).
    await waitFor(
      async () => (await runsOf(service, oneShot.id))[0]?.status !== 'running',
      15_000,
      'the catch-up run to end',
    );
    const oneShotRuns = await runsOf(service, oneShot.id);
    expect(oneShotRuns).toHaveLength(1);
    expect(oneShotRuns[0]).toMatchObject({ status: 'succeeded', scheduledFor: dueAt.toISOString() });
    expect(Date.parse(oneShotRuns[0].startedAt!)).toBeGreaterThanOrEqual(restartBegan);
    expect(oneShotRuns[0].durationMs).toBeGreaterThanOrEqual(2_900);
    expect(
      (await callApi<{ nextRunAt: string | null }>(service.url, 'GET', `/api/tasks/${oneShot.id}/schedule`))
        .nextRunAt,
    ).toBeNull();

    const ticks = await runsOf(service, everySecond.id);
    const keys = ticks.map((r) => `${r.scheduleId}@${r.scheduledFor}`);
    expect(new Set(keys).size).toBe(keys.length);
    const deliveredInstants = webhook.callsTo('/tick').map((call) => call.headers['x-scout-scheduled-for']);
    expect(new Set(deliveredInstants).size).toBe(deliveredInstants.length);
    // Instants that passed while down: recorded `missed`, except exactly one catch-up run (run_once).
    // Every instant since the kill is accounted for exactly once: none lost, none pending.
    const sinceKill = ticks
      .filter((r) => Date.parse(r.scheduledFor) > killedAt)
      .sort((x, y) => Date.parse(x.scheduledFor) - Date.parse(y.scheduledFor));
    const seconds = sinceKill.map((r) => Date.parse(r.scheduledFor) / 1000);
    expect(seconds).toEqual(seconds.map((_, index) => seconds[0] + index));
    // Instants that passed while no process ran are recorded `missed` — but the first after the
    // kill, if the dead instance's watermark had reached it (then it is `interrupted`).
    const whileDown = sinceKill.filter((r) => Date.parse(r.scheduledFor) < restartBegan);
    expect(whileDown.length).toBeGreaterThan(3);
    expect(whileDown.slice(1).every((r) => r.status === 'missed')).toBe(true);
    expect(['missed', 'interrupted']).toContain(whileDown[0].status);
    // Exactly one catch-up (run_once): of the instants planned after they had passed (a claimed run's
    // id carries the time its fire was planned), the latest runs, after the restart; the others are recorded missed.
    const late = sinceKill.filter((r) => plannedAt(r.id) > Date.parse(r.scheduledFor));
    const ran = late.filter((r) => r.status !== 'missed');
    expect(ran).toHaveLength(1);
    const [lateRun] = ran;
    expect(lateRun).toBe(late[late.length - 1]);
    if (lateRun.status === 'skipped') {
      // The first claim after the restart can return after the next instant too; if that regular
      // fire started first, the overlap policy (`skip`) skips the catch-up behind it.
      const skippedAt = Date.parse(lateRun.finishedAt!);
      const runningThen = sinceKill.filter(
        (r) =>
          !late.includes(r) &&
          r.startedAt !== null &&
          Date.parse(r.startedAt) <= skippedAt &&
          (r.finishedAt === null || Date.parse(r.finishedAt) >= skippedAt),
      );
      expect(runningThen).toHaveLength(1);
      expect(Date.parse(runningThen[0].startedAt!)).toBeGreaterThanOrEqual(restartBegan);
    } else {
      expect(lateRun.status).toBe('succeeded');
      expect(Date.parse(lateRun.startedAt!)).toBeGreaterThanOrEqual(restartBegan);
    }
    expect(ticks.some((r) => r.status === 'pending' && Date.parse(r.scheduledFor) < Date.now() - 2_000)).toBe(
      false,
    );
  }, 90_000);
});
