import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { rateLimit } from 'express-rate-limit';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { DomainErrorFilter } from './api/domain-error.filter';
import { JsonInputPipe } from './api/json-input.pipe';
import { Environment } from './config/environment';
import { PinoLogger } from './config/pino-logger';
import { ScoutIoAdapter } from './events/scout-io.adapter';
import { DatabaseState } from './persistence/database-state.service';

export const BODY_LIMIT = '1mb';

function corsOrigins(env: Environment): string[] | '*' | null {
  if (!env.CORS_ORIGINS) return null;
  if (env.CORS_ORIGINS === '*') return '*';
  return env.CORS_ORIGINS.split(',').map((origin) => origin.trim());
}

/**
 * Everything the HTTP app needs besides its modules, shared by `main.ts` and the e2e tests so
 * they exercise the same pipeline: security headers, CORS, body limit, validation, error shape,
 * Swagger, Socket.IO. (Shutdown on signals is `main.ts`'s: tests close their apps themselves.)
 */
export function configureApp(app: INestApplication, env: Environment): void {
  const express = app as NestExpressApplication;
  const logger = app.get(PinoLogger);
  express.useLogger(logger);
  express.disable('x-powered-by');
  // Swagger UI runs inline scripts; every other route gets helmet's strict defaults.
  const strict = helmet();
  const docs = helmet({ contentSecurityPolicy: false });
  express.use((request: { path: string }, response: unknown, next: () => void) =>
    (request.path.startsWith('/docs') ? docs : strict)(request as never, response as never, next),
  );
  const origins = corsOrigins(env);
  if (origins)
    express.enableCors({ origin: origins, allowedHeaders: ['content-type', 'x-api-key', 'x-request-id'] });
  express.useBodyParser('json', { limit: BODY_LIMIT });
  // A body that is not JSON would be read as empty; refuse it instead of acting on nothing.
  express.use('/api', (request: Request, response: Response, next: NextFunction) => {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'];
    if (['POST', 'PUT', 'PATCH'].includes(request.method) && hasBody && !request.is('application/json')) {
      response.status(415).json({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'request body must be JSON (Content-Type: application/json)',
      });
      return;
    }
    next();
  });
  // Per client address, on the API only: /health and /metrics stay cheap to poll.
  express.use(
    '/api',
    rateLimit({
      windowMs: 60_000,
      limit: env.RATE_LIMIT_PER_MINUTE,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_request, response) => {
        response.status(429).json({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `rate limit of ${env.RATE_LIMIT_PER_MINUTE} requests per minute exceeded; retry later`,
        });
      },
    }),
  );
  express.useWebSocketAdapter(new ScoutIoAdapter(app, origins, env.DATABASE_URL));
  app.useGlobalPipes(
    new JsonInputPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new DomainErrorFilter(app.get(DatabaseState, { strict: false })));
  if (!env.API_KEY) {
    logger.warn('API_KEY is not set: the REST API and Socket.IO accept anyone who can reach this port');
  }

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Scout Scheduler')
      .setDescription(
        'Schedules and runs the Local Scout agent tasks: cron, intervals, one-shots, events and chains, persisted in PostgreSQL.',
      )
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
