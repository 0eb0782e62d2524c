import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SCHEDULER_OPTIONS, SchedulerOptions } from '../../config/scheduler-options';
import { DatabaseEndpoint } from '../../persistence/database-endpoint';
import { DatabaseState } from '../../persistence/database-state.service';
import { SCOUT_DATA_SOURCE } from '../../persistence/scout-data-source';
import { FirePlanner } from './fire-planner.service';
import { InstanceIdentity } from '../cluster/instance-identity';

export const SCHEDULE_CHANGES_CHANNEL = 'scout_schedule_changes';
interface ChangeBatch {
  disarm: Set<string>;
  plan: boolean;
  sent: Promise<void>;
}

/** First reconnection delay of the listener; doubles on each failure, up to LISTEN_RETRY_MAX_MS. */
export const LISTEN_RETRY_FIRST_MS = 250;
export const LISTEN_RETRY_MAX_MS = 5_000;

/** Schedule ids per notification (36 characters each, well under the 8000-byte payload limit). */
const NOTIFY_IDS = 150;

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
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = LISTEN_RETRY_FIRST_MS;
  /** Clients given up on: a dead one may emit 'error' again, which must not start a second retry. */
  private readonly dropped = new WeakSet<Client>();
  /** Changes not sent yet, and the chain of sends (one at a time). */
  private gathering: ChangeBatch | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly endpoint: DatabaseEndpoint,
    @InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly planner: FirePlanner,
    private readonly identity: InstanceIdentity,
    @Inject(SCHEDULER_OPTIONS) private readonly options: SchedulerOptions,
    @Optional() private readonly database?: DatabaseState,
  ) {
    // The database is back: re-listen now rather than at the end of the current backoff.
    database?.onRestored(() => {
      if (!this.retryTimer) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      void this.listen();
    });
  }

  private get shared(): boolean {
    return this.endpoint.kind === 'postgres';
  }

  /**
   * Resolves once the change is out. Changes made meanwhile travel together: PostgreSQL lets one
   * notifying transaction commit at a time, so a NOTIFY per request would cap every write of the
   * API at one commit (an fsync) each — about 130 schedules/s here.
   */
  publish(change: Omit<ScheduleChange, 'origin'>): Promise<void> {
    if (!this.shared) return Promise.resolve();
    let batch = this.gathering;
    if (!batch) {
      const gathered: ChangeBatch = { disarm: new Set(), plan: false, sent: Promise.resolve() };
      // One send at a time; a failed one fails only its own callers.
      gathered.sent = this.sending
        .catch(() => undefined)
        .then(() => {
          if (this.gathering === gathered) this.gathering = null;
          return this.send(gathered);
        });
      this.sending = gathered.sent;
      this.gathering = batch = gathered;
    }
    for (const id of change.disarm) batch.disarm.add(id);
    batch.plan ||= change.plan;
    return batch.sent;
  }

  private async send(batch: ChangeBatch): Promise<void> {
    const disarm = [...batch.disarm];
    const payloads: string[] = [];
    // NOTIFY payloads stop at 8000 bytes: a few hundred ids per message.
    for (let index = 0; index === 0 || index < disarm.length; index += NOTIFY_IDS) {
      const change: ScheduleChange = {
        disarm: disarm.slice(index, index + NOTIFY_IDS),
        // One plan per batch: the receiver plans after the last of its payloads.
        plan: batch.plan && index + NOTIFY_IDS >= disarm.length,
        origin: this.identity.id,
      };
      payloads.push(JSON.stringify(change));
    }
    await this.dataSource.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
      SCHEDULE_CHANGES_CHANNEL,
      payloads,
    ]);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.shared && this.options.runnerEnabled) await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.endpoint.url });
    client.on('notification', (message) => void this.receive(message.payload));
    // A connection that dies emits 'error' (more than once, for a server shutdown): without this
    // listener the process would end.
    client.on('error', (error) => {
      if (!this.database?.report(error))
        this.logger.warn(`Schedule change listener lost its connection (${error.message}); reconnecting`);
      this.reconnect(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SCHEDULE_CHANGES_CHANNEL}`);
      if (this.stopped) {
        void client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      this.retryMs = LISTEN_RETRY_FIRST_MS;
      // Changes made while the listener was down are picked up by planning now.
      void this.planner.tick();
    } catch (error) {
      if (!this.database?.report(error))
        this.logger.warn(
          `Schedule change listener could not connect (${(error as Error).message}); retrying`,
        );
      this.reconnect(client);
    }
  }

  /** Drops `client` and listens again after a backoff (one retry pending at a time). */
  private reconnect(client: Client): void {
    if (this.dropped.has(client)) return;
    this.dropped.add(client);
    if (this.listener === client) this.listener = null;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.listen();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, LISTEN_RETRY_MAX_MS);
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
