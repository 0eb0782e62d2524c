import type { Browser } from 'playwright-core';
import { ScoutClient } from '../src/client';
import { launchChromium, WatchedPage } from './support/browser';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/webhook-server';

/**
 * The dashboard at / (built by `npm run build` into dist/dashboard), driven in Debian's Chromium
 * through playwright-core: the form with its live preview, runs arriving live, the actions, the
 * event feed, the API-key prompt. No test may leave a console error it did not provoke.
 */
describe.each(DATABASE_KINDS)('dashboard on %s', (kind) => {
  let database: TestDatabase;
  let service: TestApp;
  let client: ScoutClient;
  let browser: Browser;
  let view: WatchedPage | null = null;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    service = await startTestApp(database.env);
    client = new ScoutClient({ baseUrl: service.url });
    browser = await launchChromium();
  });

  afterEach(async () => {
    await view?.close();
    view = null;
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await database?.drop();
  });

  it('creates a task through the form with a live preview, shows its runs live, pauses, resumes, runs now and deletes it', async () => {
    view = await WatchedPage.open(browser, `${service.url}/#/new`);
    const { page } = view;
    await page.getByLabel('Name').fill('browser digest');
    await page.getByLabel('Handler').fill('noop');
    await page.getByLabel('Payload').fill('{"hello": "world"}');
    await page.getByLabel('Schedule').fill('cron:* * * * * *');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByText('Every second (Europe/Berlin)').waitFor();
    const times = page.getByRole('list', { name: 'Next fire times' }).getByRole('listitem');
    await times.nth(4).waitFor();
    expect(await times.count()).toBe(5);
    expect(await view.unlabelledControls()).toEqual([]);
    await view.screenshot(`${kind}-form`);
    // The keyboard submits the form.
    await page.getByLabel('Name').press('Enter');

    await page.getByRole('heading', { name: 'browser digest', exact: true }).waitFor();
    const taskId = /#\/tasks\/([0-9a-f-]{36})$/.exec(page.url())![1];
    const task = await client.getTask(taskId);
    expect(task).toMatchObject({ name: 'browser digest', handler: 'noop', payload: { hello: 'world' } });
    expect(await client.getSchedule(taskId)).toMatchObject({
      schedule: 'cron:* * * * * *',
      timezone: 'Europe/Berlin',
    });

    // Runs arrive without a reload.
    const succeeded = page.locator('table.runs tbody tr', { hasText: 'succeeded' });
    await waitFor(async () => (await succeeded.count()) >= 2, 15_000, 'two runs in the history');
    // The chart of recent runs is drawn (uPlot's canvas), with a text alternative.
    await page.getByRole('img', { name: /^Lateness and duration of the last [1-9]\d* runs/ }).waitFor();
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await view.screenshot(`${kind}-task`);

    await page.getByRole('button', { name: 'Pause browser digest' }).click();
    await page.getByRole('button', { name: 'Resume browser digest' }).waitFor();
    expect((await client.getSchedule(taskId)).paused).toBe(true);
    await page.getByRole('button', { name: 'Resume browser digest' }).click();
    await page.getByRole('button', { name: 'Pause browser digest' }).waitFor();
    expect((await client.getSchedule(taskId)).paused).toBe(false);

    await page.getByRole('button', { name: 'Pause browser digest' }).click();
    await page.getByRole('button', { name: 'Resume browser digest' }).waitFor();
    await page.getByRole('button', { name: 'Run now browser digest' }).click();
    await page.locator('table.runs tbody tr', { hasText: 'manual' }).first().waitFor();

    // Edit: the form comes filled in; Save changes the task and replaces the schedule.
    await page.getByRole('link', { name: 'Edit' }).click();
    await expect(page.getByLabel('Schedule').inputValue()).resolves.toBe('cron:* * * * * *');
    await page.getByLabel('Name').fill('browser digest, edited');
    await page.getByLabel('Schedule').fill('every 1h');
    await page.getByText('Every hour').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'browser digest, edited', exact: true }).waitFor();
    expect((await client.getTask(taskId)).name).toBe('browser digest, edited');
    expect(await client.getSchedule(taskId)).toMatchObject({
      schedule: 'every 1h',
      timezone: 'Europe/Berlin',
    });

    await page.getByRole('button', { name: 'Delete browser digest, edited' }).click();
    await page.getByRole('button', { name: 'Confirm delete browser digest, edited' }).click();
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    await expect(client.getTask(taskId)).rejects.toMatchObject({ status: 404 });
    expect(view.unexpectedErrors()).toEqual([]);
  });

  it('pages through the run history, from the keyboard', async () => {
    const task = await client.createTask({ name: 'many runs', handler: 'noop' });
    const runIds: string[] = [];
    for (let index = 0; index < 23; index++) runIds.push((await client.runTaskNow(task.id)).id);
    view = await WatchedPage.open(browser, `${service.url}/#/tasks/${task.id}`);
    const { page } = view;
    const rows = page.locator('table.runs tbody tr');
    await rows.nth(19).waitFor();
    expect(await rows.count()).toBe(20);
    await page.getByRole('button', { name: 'Older runs' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Page 2').waitFor();
    await waitFor(async () => (await rows.count()) === 3, 5_000, 'the second page');
    // Newest first: the second page holds the three oldest runs.
    const shown = await rows.evaluateAll((elements) =>
      elements.map((element) => element.getAttribute('data-run-id')),
    );
    expect(shown).toEqual(runIds.slice(0, 3).reverse());
    await page.getByRole('button', { name: 'Newer runs' }).click();
    await page.getByText('Page 1').waitFor();
    expect(view.unexpectedErrors()).toEqual([]);
  });

  it("shows the API's validation messages by their field and stores nothing", async () => {
    const before = (await client.listTasks({ limit: 500 })).items.length;
    view = await WatchedPage.open(browser, `${service.url}/#/new`);
    const { page } = view;
    await page.getByLabel('Schedule').fill('cron:61 * * * *');
    const scheduleError = page.locator('#schedule-error');
    await scheduleError.getByText('minute field: 61 is out of range 0-59').waitFor();
    expect(await page.getByLabel('Schedule').getAttribute('aria-describedby')).toContain('schedule-error');

    await page.getByLabel('Schedule').fill('every 10m');
    await page.getByLabel('Time zone').fill('Mars/Base');
    await page
      .locator('#timezone-error')
      .getByText('"Mars/Base" is not an IANA time zone', { exact: false })
      .waitFor();
    await page.getByLabel('Time zone').fill('');
    await page.getByLabel('Handler').fill('mail');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#name-error').waitFor();
    expect(await page.locator('#name-error').textContent()).toMatch(/^name /);
    await page.getByLabel('Name').fill('named');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#handler-error').getByText('unknown handler "mail"', { exact: false }).waitFor();
    await page.getByLabel('Handler').fill('noop');
    await page.getByLabel('Payload').fill('[1, 2]');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#payload-error').getByText('payload must be a JSON object').waitFor();
    await view.screenshot(`${kind}-form-errors`);

    expect((await client.listTasks({ limit: 500 })).items).toHaveLength(before);
    expect(view.unexpectedErrors([400])).toEqual([]);
  });

  it('lists schedules with a countdown and live events, filters the feed by task, and shows the instances', async () => {
    const watched = await client.createTask({
      name: 'feed ticker',
      handler: 'noop',
      schedule: 'cron:* * * * * *',
    });
    const quiet = await client.createTask({
      name: 'quiet nightly',
      handler: 'noop',
      schedule: 'cron:30 2 * * *',
    });
    view = await WatchedPage.open(browser, `${service.url}/`);
    const { page } = view;
    const row = page.locator(`tr[data-task-id="${quiet.id}"]`);
    await row.getByText('At 02:30 every day').waitFor();
    expect(await row.textContent()).toMatch(/in \d+ h \d+ min/);
    await page.locator('.feed li', { hasText: 'feed ticker' }).first().waitFor({ timeout: 10_000 });
    await page.getByRole('table').filter({ hasText: 'Heartbeat' }).getByText('alive').waitFor();
    expect(await view.unlabelledControls()).toEqual([]);

    await page.getByLabel('Filter by task').fill('quiet');
    await page.getByText('No events yet.').waitFor();
    await page.getByLabel('Filter by task').fill('ticker');
    await page.locator('.feed li', { hasText: 'task_started' }).first().waitFor();
    await page.getByLabel('Filter by task').fill('');
    await view.screenshot(`${kind}-home`);

    // A task created elsewhere appears without a reload.
    const later = await client.createTask({ name: 'made elsewhere', handler: 'noop', schedule: 'every 1h' });
    await page.locator(`tr[data-task-id="${later.id}"]`).waitFor({ timeout: 10_000 });
    for (const id of [watched.id, quiet.id, later.id]) await client.deleteTask(id);
    expect(view.unexpectedErrors()).toEqual([]);
  });
});

describe('dashboard with API_KEY', () => {
  const API_KEY = 'dashboard-key-0123456789';
  let database: TestDatabase;
  let service: TestApp;
  let browser: Browser;
  let view: WatchedPage | null = null;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    service = await startTestApp({ ...database.env, API_KEY });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await view?.close();
    await browser?.close();
    await service?.close();
    await database?.drop();
  });

  it('asks for the key once, says so when it is wrong, and uses the right one for REST and events', async () => {
    await new ScoutClient({ baseUrl: service.url, apiKey: API_KEY }).createTask({
      name: 'guarded',
      handler: 'noop',
      schedule: 'cron:* * * * * *',
    });
    view = await WatchedPage.open(browser, `${service.url}/`);
    const { page } = view;
    await page.getByLabel('API key').fill('not-the-key-000000000');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page
      .getByRole('alert')
      .getByText('The service refused this API key (wrong API key)', { exact: false })
      .waitFor();
    await view.screenshot('api-key-wrong');

    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('rowheader', { name: 'guarded' }).waitFor();
    // Events come through the keyed handshake.
    await page.locator('.feed li', { hasText: 'guarded' }).first().waitFor({ timeout: 10_000 });

    // Kept for the tab's session: a reload does not ask again.
    await page.reload();
    await page.getByRole('rowheader', { name: 'guarded' }).waitFor();
    expect(await page.getByLabel('API key').count()).toBe(0);
    await page.getByRole('button', { name: 'Forget API key' }).click();
    await page.getByLabel('API key').waitFor();
    expect(view.unexpectedErrors([401])).toEqual([]);
  });
});
