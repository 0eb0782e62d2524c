import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SchedulerEventEmitter } from '../events/scheduler-event.emitter';
import { SchedulerStats } from '../scheduler/scheduler-stats';

/**
 * Prometheus metrics in a registry of this app's own (several apps in one process — tests, host
 * apps — never collide): fires, runs by final status, fire lateness, armed fires, running runs,
 * connected sockets, and Node's defaults. Counted from the lifecycle events, off the firing path.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private unsubscribe: (() => void) | null = null;
  private readonly fires: Counter;
  private readonly runs: Counter<'status'>;
  private readonly lateness: Histogram;

  constructor(
    private readonly events: SchedulerEventEmitter,
    stats: SchedulerStats,
  ) {
    const registers = [this.registry];
    this.fires = new Counter({ name: 'scout_fires_total', help: 'Runs started', registers });
    this.runs = new Counter({
      name: 'scout_runs_total',
      help: 'Runs that reached a final status, by status',
      labelNames: ['status'],
      registers,
    });
    this.lateness = new Histogram({
      name: 'scout_fire_lateness_seconds',
      help: 'startedAt − scheduledFor of each started run',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers,
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge(
      'scout_planning_passes',
      'Planning passes completed since start: after the first, every fire due within the horizon is armed',
      () => stats.planningPasses,
    );
    gauge(
      'scout_armed_fires',
      'Fires claimed and armed in this process, waiting for their instant',
      () => stats.armedFires,
    );
    gauge('scout_running_runs', 'Runs executing in this process', () => stats.runningRuns);
    gauge(
      'scout_waiting_runs',
      'Fires waiting for a free slot (SCHEDULER_MAX_CONCURRENT_RUNS)',
      () => stats.waitingRuns,
    );
    gauge('scout_socket_clients', 'Socket.IO clients connected to this process', () => stats.socketClients);
    collectDefaultMetrics({ register: this.registry });
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((name, payload) => {
      if (name === 'task_started') {
        const { scheduledFor, startedAt } = payload as { scheduledFor: string; startedAt: string };
        this.fires.inc();
        this.lateness.observe(Math.max(0, Date.parse(startedAt) - Date.parse(scheduledFor)) / 1000);
      } else if (name === 'task_finished' || name === 'task_error') {
        this.runs.inc({ status: (payload as { status: string }).status });
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
