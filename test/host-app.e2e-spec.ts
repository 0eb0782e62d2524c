import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { INestApplicationContext } from '@nestjs/common';
import { SchedulerModule } from '../src/scheduler/scheduler.module';
import { TaskSchedulerService } from '../src/scheduler/task-scheduler.service';
import { TaskHandler, TaskRunContext } from '../src/tasks/task-handler';
import { SchedulerEventEmitter } from '../src/events/scheduler-event.emitter';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from './support/test-database';
import { waitFor } from './support/webhook-server';

/** Something of the host app's own, injected into its handler. */
@Injectable()
class DigestStore {
  readonly digests: Array<{ taskId: string; runId: string; topic: unknown }> = [];
}

/** A handler contributed by another agent module, found through DI by its decorator. */
@TaskHandler('digest')
class DigestHandler implements TaskHandler {
  constructor(private readonly store: DigestStore) {}

  validatePayload(payload: Record<string, unknown> | null): string | null {
    return typeof payload?.topic === 'string' ? null : 'payload.topic: the digest handler needs a topic';
  }

  run(context: TaskRunContext): { written: number } {
    this.store.digests.push({
      taskId: context.task.id,
      runId: context.run.id,
      topic: context.task.payload?.topic,
    });
    return { written: this.store.digests.length };
  }
}

@Module({ providers: [DigestStore, DigestHandler], exports: [DigestStore] })
class DigestModule {}

/** A separate small Nest app that imports SchedulerModule, as another agent module would. */
describe.each(DATABASE_KINDS)('a host app importing SchedulerModule on %s', (kind) => {
  let database: TestDatabase;
  let host: INestApplicationContext;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    @Module({
      imports: [
        SchedulerModule.forRootAsync({
          useFactory: () => ({ databaseUrl: database.env.DATABASE_URL, dataDir: database.env.DATA_DIR }),
        }),
        DigestModule,
      ],
    })
    class HostModule {}
    host = await NestFactory.createApplicationContext(HostModule, { logger: false });
    host.enableShutdownHooks();
    await host.init();
  });

  afterAll(async () => {
    await host?.close();
    await database?.drop();
  });

  it('runs the host handler on the schedule it set through TaskSchedulerService', async () => {
    const scheduler = host.get(TaskSchedulerService);
    const store = host.get(DigestStore);
    const events = host.get(SchedulerEventEmitter);
    const seen: string[] = [];
    events.subscribe((name) => seen.push(name));

    const task = await scheduler.createTask({
      name: 'daily digest',
      handler: 'digest',
      payload: { topic: 'news' },
    });
    const schedule = await scheduler.scheduleTask(task.id, 'every 1s', { overlapPolicy: 'allow' });
    expect(schedule).toMatchObject({ type: 'interval', description: 'Every second' });
    expect((await scheduler.getTaskSchedule(task.id)).id).toBe(schedule.id);

    await waitFor(() => store.digests.length >= 2, 10_000, 'the host handler to run twice');
    expect(store.digests[0]).toMatchObject({ taskId: task.id, topic: 'news' });
    await scheduler.cancelTask(task.id);
    const runs = await waitFor(async () => {
      const page = await scheduler.getTaskRuns(task.id, { limit: 10 });
      return page.items.filter((run) => run.status === 'succeeded').length >= 2 ? page.items : undefined;
    });
    expect(runs.find((run) => run.status === 'succeeded')?.result).toEqual({ written: expect.any(Number) });
    expect(seen).toEqual(
      expect.arrayContaining(['schedule_update', 'task_started', 'task_finished', 'schedule_removed']),
    );
    expect((await scheduler.listSchedules()).items).toHaveLength(0);
  });

  it('checks payloads with the host handler and refuses unknown handlers', async () => {
    const scheduler = host.get(TaskSchedulerService);
    await expect(scheduler.createTask({ name: 'no topic', handler: 'digest' })).rejects.toThrow(
      'payload.topic: the digest handler needs a topic',
    );
    await expect(scheduler.createTask({ name: 'unknown', handler: 'nope' })).rejects.toThrow(
      /unknown handler "nope"; registered handlers are digest, http, noop/,
    );
  });

  it('runs the host handler on a published event', async () => {
    const scheduler = host.get(TaskSchedulerService);
    const store = host.get(DigestStore);
    const task = await scheduler.createTask({
      name: 'on demand',
      handler: 'digest',
      payload: { topic: 'alerts' },
    });
    await scheduler.scheduleTask(task.id, 'on:alert');
    const before = store.digests.length;
    const accepted = await scheduler.publishEvent('alert', { level: 'high' });
    expect(accepted.runs).toHaveLength(1);
    await waitFor(() => store.digests.length === before + 1);
    expect(store.digests[before]).toMatchObject({ taskId: task.id, topic: 'alerts' });
  });
});
