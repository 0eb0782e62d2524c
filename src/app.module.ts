import { DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from './config/environment';
import { schedulerOptionsFromEnvironment } from './config/scheduler-options';
import { HealthModule } from './health/health.module';
import { SchedulerModule } from './scheduler/scheduler.module';

/**
 * The Scout Scheduler service: the scheduler module, health and metrics, and JSON logs with
 * request ids.
 */
@Module({})
export class AppModule {
  static forRoot(env: Environment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: env.LOG_LEVEL,
            genReqId: (request, response) => {
              const given = request.headers['x-request-id'];
              const id = typeof given === 'string' && /^[\w.:-]{1,200}$/.test(given) ? given : randomUUID();
              response.setHeader('x-request-id', id);
              return id;
            },
            redact: ['req.headers["x-api-key"]', 'req.headers.authorization'],
            autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
          },
        }),
        SchedulerModule.forRoot(schedulerOptionsFromEnvironment(env)),
        HealthModule,
      ],
    };
  }
}
