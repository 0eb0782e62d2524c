import { Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import {
  SchedulerEventEmitter,
  SchedulerModule,
  TaskHandler,
  TaskSchedulerService,
  type SchedulerEventName,
  type TaskDto,
  type TaskRunContext,
} from 'scout-scheduler';

/** A service of the host app: the handler below gets it by injection. */
@Injectable()
export class NewsService {
  readonly topicsDigested: string[] = [];

  async digest(
    topic: string,
    options: { signal: AbortSignal },
  ): Promise<{ topic: string; headlines: number }> {
    options.signal.throwIfAborted(); // aborted when the run times out or the app shuts down
    this.topicsDigested.push(topic);
    return { topic, headlines: 3 };
  }
}

@TaskHandler('digest') // any provider, in any module of the app
export class DigestHandler implements TaskHandler {
  constructor(private readonly news: NewsService) {}

  validatePayload(payload: Record<string, unknown> | null): string | null {
    return typeof payload?.topic === 'string' ? null : 'payload.topic is required';
  }

  run({ task, signal }: TaskRunContext): Promise<{ topic: string; headlines: number }> {
    return this.news.digest(String(task.payload?.topic), { signal });
  }
}

/** Schedules digests through TaskSchedulerService and follows their runs on SchedulerEventEmitter. */
@Injectable()
export class DigestScheduler implements OnModuleDestroy {
  readonly seen: Array<{ event: SchedulerEventName; taskId: string }> = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly scheduler: TaskSchedulerService,
    events: SchedulerEventEmitter,
  ) {
    this.unsubscribe = events.subscribe((event, payload) =>
      this.seen.push({ event, taskId: payload.taskId }),
    );
  }

  async digestSoon(topic: string): Promise<TaskDto> {
    const task = await this.scheduler.createTask({
      name: `${topic} digest`,
      handler: 'digest',
      payload: { topic },
    });
    await this.scheduler.scheduleTask(task.id, 'in:1s'); // or 'cron:0 7 * * *', 'every 30m', 'on:news'…
    return task;
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}

@Module({
  imports: [
    // Or SchedulerModule.forRoot({...}). Without databaseUrl: embedded PostgreSQL (PGlite) in dataDir.
    SchedulerModule.forRootAsync({
      useFactory: () => ({ databaseUrl: process.env.DATABASE_URL, dataDir: process.env.DATA_DIR }),
    }),
  ],
  providers: [NewsService, DigestHandler, DigestScheduler],
})
export class DigestModule {}
