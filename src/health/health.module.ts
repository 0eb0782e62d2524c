import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PersistenceModule } from '../persistence/persistence.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Readiness (`/health`), liveness (`/health/live`) and Prometheus metrics (`/metrics`); all open
 * even when API_KEY is set.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), PersistenceModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService],
})
export class HealthModule {
  /**
   * `scheduler` is the very `SchedulerModule.forRoot(...)` the app imports (a dynamic module is
   * one module wherever the same object is imported): metrics read its events and `SchedulerStats`.
   */
  static forRoot(scheduler: DynamicModule): DynamicModule {
    return { module: HealthModule, imports: [scheduler] };
  }
}
