import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { PinoLogger, requestLoggers } from './pino-logger';
import { requestLogging } from './request-logging';

const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/**
 * JSON logs with request ids: pino-http on every route (a request id, one line per request), and
 * `PinoLogger` for the app's own lines, which carry the request's fields while serving it.
 */
@Module({})
export class RequestLoggingModule implements NestModule {
  /** `destination`: where the lines go (standard output unless a test catches them). */
  static forRoot(level: string, destination?: DestinationStream): DynamicModule {
    const http = pinoHttp(requestLogging(level), destination);
    return {
      module: RequestLoggingModule,
      providers: [
        { provide: HTTP_LOGGER, useValue: http },
        { provide: PinoLogger, useValue: new PinoLogger(http.logger) },
      ],
      exports: [PinoLogger],
    };
  }

  constructor(@Inject(HTTP_LOGGER) private readonly http: HttpLogger) {}

  configure(consumer: MiddlewareConsumer): void {
    const http = this.http;
    consumer
      .apply((request: IncomingMessage, response: ServerResponse, next: () => void) =>
        http(request, response, () => requestLoggers.run(request.log, next)),
      )
      // Path-to-regexp 8's catch-all that also matches the root.
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
