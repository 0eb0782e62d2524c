import { DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from './config/environment';
import { schedulerOptionsFromEnvironment } from './config/scheduler-options';
import { HealthModule } from './health/health.module';
import { SchedulerModule } from './scheduler/scheduler.module';

/** The Scout Scheduler service: the scheduler module, health, and JSON logs with request ids. */
@Module({})
export class AppModule {
  static forRoot(env: Environment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: env.LOG_LEVEL,
            genReqId: (request) => {
              const given = request.headers['x-request-id'];
              return typeof given === 'string' && given.length <= 200 ? given : randomUUID();
            },
            redact: ['req.headers["x-api-key"]', 'req.headers.authorization'],
            autoLogging: { ignore: (request) => request.url === '/health' },
          },
        }),
        SchedulerModule.forRoot(schedulerOptionsFromEnvironment(env)),
        HealthModule,
      ],
    };
  }
}
