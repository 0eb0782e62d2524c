import { callApi, RunView } from './support/api-client';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { freePort, ServiceProcess } from './support/service-process';
import { waitFor, WebhookServer } from './support/webhook-server';

const runsOf = async (service: ServiceProcess, taskId: string) =>
  (await callApi<{ items: RunView[] }>(service.url, 'GET', `/api/tasks/${taskId}/runs?limit=500`)).items;

/**
 * Crash safety (SPEC §5): kill -9 the service with a run in flight and a one-shot falling due
 * while it is down, start it again on the same database, and account for every run.
 */
describe.each(DATABASE_KINDS)('restart after SIGKILL on %s', (kind) => {
  let database: TestDatabase;
  let webhook: WebhookServer;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    webhook = await new WebhookServer().start();
    // The in-flight run's webhook answers long after the crash.
    webhook.respond = (call) =>
      call.path.startsWith('/slow') ? { status: 200, delayMs: 20_000 } : { status: 200 };
    service = new ServiceProcess(database.env, await freePort());
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await service?.kill();
    await webhook?.stop();
    await database?.drop();
  });

  it('marks the cut-off run interrupted, catches up exactly once and never duplicates a fire', async () => {
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
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt.getTime() + 2_000 - Date.now())));
    expect(webhook.callsTo('/once')).toHaveLength(0);
    const restartBegan = Date.now();
    await service.start();

    // The one-shot that fell due while down runs once, late, within the misfire grace period.
    await waitFor(() => webhook.callsTo('/once').length === 1, 10_000, 'the one-shot catch-up');
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
    const ticksAfterRestart = webhook.callsTo('/tick').length;
    await waitFor(() => webhook.callsTo('/tick').length >= ticksAfterRestart + 2, 10_000, 'ticks to resume');
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(webhook.callsTo('/once')).toHaveLength(1);
    // Started once before the crash, never again after it.
    expect(webhook.callsTo('/slow-scheduled')).toHaveLength(1);
    expect(await runsOf(service, scheduledSlow.id)).toEqual([
      expect.objectContaining({ id: scheduledRun.id, status: 'interrupted' }),
    ]);
    const oneShotRuns = await runsOf(service, oneShot.id);
    expect(oneShotRuns).toHaveLength(1);
    expect(oneShotRuns[0]).toMatchObject({ status: 'succeeded', scheduledFor: dueAt.toISOString() });
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
    // Instants that passed while no process ran are recorded `missed`; at most one of them (the
    // latest) is run as the catch-up (run_once) — the rest of the catch-up is the one-shot above.
    const whileDown = sinceKill.filter((r) => Date.parse(r.scheduledFor) < restartBegan);
    expect(whileDown.length).toBeGreaterThan(1);
    const ran = whileDown.filter((r) => r.status !== 'missed');
    expect(ran.length).toBeLessThanOrEqual(1);
    if (ran.length === 1) expect(ran[0]).toBe(whileDown[whileDown.length - 1]);
    expect(whileDown.slice(0, -1).every((r) => r.status === 'missed')).toBe(true);
    expect(ticks.some((r) => r.status === 'pending' && Date.parse(r.scheduledFor) < Date.now() - 2_000)).toBe(
      false,
    );
  }, 90_000);
});
