import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { isConnectionError } from './connection-error';
import { SCOUT_DATA_SOURCE } from './scout-data-source';

/** First probe after the database is lost; each failed probe doubles the wait, up to PROBE_MAX_MS. */
export const PROBE_FIRST_MS = 250;
export const PROBE_MAX_MS = 2_000;
/** A probe that has not answered by then counts as failed (a half-open connection hangs). */
export const PROBE_TIMEOUT_MS = 3_000;

type Listener = () => void;

/**
 * Whether the database can be reached. Losing it is a state, not a crash: whoever queries
 * reports connection-class errors here (and stays quiet about them), this service logs once
 * that the database is gone, probes it with backoff, and logs once that it is back, with the
 * outage's length. Listeners hear of both edges: the change bus re-listens, the journal writes
 * what waited, the scheduler beats and plans at once.
 */
@Injectable()
export class DatabaseState implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private downSinceMs: number | null = null;
  /** When the database was last regained; -Infinity: reachable since this process started. */
  private upSinceMs = Number.NEGATIVE_INFINITY;
  private reason = '';
  private probeDelayMs = PROBE_FIRST_MS;
  private probeTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly lostListeners: Listener[] = [];
  private readonly restoredListeners: Listener[] = [];
  private readonly probe: () => Promise<unknown>;

  constructor(@InjectDataSource(SCOUT_DATA_SOURCE) private readonly dataSource: DataSource) {
    this.probe = () => dataSource.query('SELECT 1');
  }

  /** An idle pooled connection that dies is an outage's first sign when nothing is querying. */
  onModuleInit(): void {
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    pool?.on('error', (error) => this.report(error));
  }

  get reachable(): boolean {
    return this.downSinceMs === null;
  }

  /** What the last outage's first error said, and since when (null while reachable). */
  get outage(): { since: Date; reason: string } | null {
    return this.downSinceMs === null ? null : { since: new Date(this.downSinceMs), reason: this.reason };
  }

  /**
   * Whether the database has been reachable without a break for `ms` (always true when it was
   * never lost): after an outage, peers' heartbeats are stale until they beat again.
   */
  reachableFor(ms: number): boolean {
    return this.downSinceMs === null && Date.now() - this.upSinceMs >= ms;
  }

  onLost(listener: Listener): void {
    this.lostListeners.push(listener);
  }

  onRestored(listener: Listener): void {
    this.restoredListeners.push(listener);
  }

  /**
   * Tells of an error from a query. Returns true when it is a connection-class error (then it is
   * handled here: the caller should not log it); false for any other error.
   */
  report(error: unknown): boolean {
    if (!isConnectionError(error)) return false;
    if (this.downSinceMs !== null || this.stopped) return true;
    this.downSinceMs = Date.now();
    this.reason = error instanceof Error ? error.message : String(error);
    this.logger.error(
      `Database unreachable (${this.reason}): planning paused, final statuses kept in memory; probing until it is back`,
    );
    this.probeDelayMs = PROBE_FIRST_MS;
    this.scheduleProbe();
    this.notify(this.lostListeners);
    return true;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  private scheduleProbe(): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(() => void this.runProbe(), this.probeDelayMs);
    this.probeTimer.unref();
  }

  private async runProbe(): Promise<void> {
    this.probeTimer = null;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.probe(),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error('probe timed out')), PROBE_TIMEOUT_MS);
        }),
      ]);
    } catch {
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, PROBE_MAX_MS);
      this.scheduleProbe();
      return;
    } finally {
      clearTimeout(timeout);
    }
    if (this.stopped || this.downSinceMs === null) return;
    const lostMs = Date.now() - this.downSinceMs;
    this.downSinceMs = null;
    this.upSinceMs = Date.now();
    this.logger.warn(`Database reachable again after ${(lostMs / 1000).toFixed(1)} s`);
    this.notify(this.restoredListeners);
  }

  private notify(listeners: Listener[]): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`A database state listener failed: ${(error as Error).message}`);
      }
    }
  }
}
