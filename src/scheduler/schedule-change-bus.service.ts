import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../config/scheduler-options';
import { DatabaseEndpoint } from '../persistence/database-endpoint';
import { SCOUT_DATA_SOURCE } from '../persistence/scout-data-source';
import { FirePlanner } from './fire-planner.service';
import { InstanceIdentity } from './instance-identity';

export const SCHEDULE_CHANGES_CHANNEL = 'scout_schedule_changes';

/** A schedule created, replaced, paused, resumed or removed, as told to the other instances. */
export interface ScheduleChange {
  /** Schedules whose armed fires must go (paused, removed, or replaced by a new one). */
  disarm: string[];
  /** Whether something may now be due (created, replaced, resumed). */
  plan: boolean;
  origin: string;
}

/**
 * Tells every instance about schedule changes within milliseconds (PostgreSQL LISTEN/NOTIFY on
 * a connection of its own, reconnecting when it drops), so a change made through any instance
 * takes effect on all. The planner's per-tick reconciliation is the safety net for a missed
 * notification. With the embedded database there is only one instance: nothing to tell.
 */
@Injectable()
export class ScheduleChangeBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleChangeBus.name);
  private listener: Client | null = null;
  private stopped = false;

  constructor(
    private readonly endpoint: DatabaseEndpoint,
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly planner: FirePlanner,
    private readonly identity: InstanceIdentity,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
  ) {}

  private get shared(): boolean {
    return this.endpoint.kind === 'postgres';
  }

  async publish(change: Omit<ScheduleChange, 'origin'>): Promise<void> {
    if (!this.shared) return;
    const payload: ScheduleChange = { ...change, origin: this.identity.id };
    await this.dataSource.query('SELECT pg_notify($1, $2)', [
      SCHEDULE_CHANGES_CHANNEL,
      JSON.stringify(payload),
    ]);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.shared && this.options.runnerEnabled) await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.endpoint.url });
    client.on('notification', (message) => void this.receive(message.payload));
    client.on('error', (error) => {
      this.logger.warn(`Schedule change listener lost its connection (${error.message}); reconnecting`);
      this.reconnect(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SCHEDULE_CHANGES_CHANNEL}`);
      this.listener = client;
      // Changes made while the listener was down are picked up by planning now.
      void this.planner.tick();
    } catch (error) {
      this.logger.warn(`Schedule change listener could not connect (${(error as Error).message}); retrying`);
      this.reconnect(client);
    }
  }

  private reconnect(client: Client): void {
    if (this.listener === client) this.listener = null;
    void client.end().catch(() => undefined);
    if (!this.stopped) setTimeout(() => void this.listen(), 1_000).unref();
  }

  private async receive(payload: string | undefined): Promise<void> {
    try {
      const change = JSON.parse(payload ?? '') as ScheduleChange;
      if (change.origin === this.identity.id) return;
      for (const scheduleId of change.disarm)
        await this.planner.disarmSchedule(scheduleId, { deletePending: false });
      if (change.plan) await this.planner.tick();
    } catch (error) {
      this.logger.warn(`Ignored a schedule change notification: ${(error as Error).message}`);
    }
  }
}
