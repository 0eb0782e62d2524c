import { DynamicModule, Module } from '@nestjs/common';
import { Environment } from './config/environment';
import { RequestLoggingModule } from './config/request-logging.module';
import { schedulerOptionsFromEnvironment } from './config/scheduler-options';
import { HealthModule } from './health/health.module';
import { SchedulerModule } from './index';

/**
 * The Scout Scheduler service: the scheduler module, health and metrics, and JSON logs with
 * request ids. The module comes from the package's public entry, as in any host app.
 */
@Module({})
export class AppModule {
  static forRoot(env: Environment): DynamicModule {
    const scheduler = SchedulerModule.forRoot(schedulerOptionsFromEnvironment(env));
    return {
      module: AppModule,
      imports: [RequestLoggingModule.forRoot(env.LOG_LEVEL), scheduler, HealthModule.forRoot(scheduler)],
    };
  }
}
