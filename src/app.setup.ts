import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { DomainErrorFilter } from './api/domain-error.filter';
import { rejectNonJsonBody } from './api/json-body.middleware';
import { Environment } from './config/environment';
import { PinoLogger } from './config/pino-logger';
import { ScoutIoAdapter } from './events/scout-io.adapter';
import { HealthModule } from './health/health.module';
import { DatabaseState } from './persistence/database-state.service';
import { createSchedulerDocument } from './scheduler/scheduler-swagger';
import { serveDashboard } from './web/serve-dashboard';

export const BODY_LIMIT = '1mb';

function corsOrigins(env: Environment): string[] | '*' | null {
  if (!env.CORS_ORIGINS) return null;
  if (env.CORS_ORIGINS === '*') return '*';
  return env.CORS_ORIGINS.split(',').map((origin) => origin.trim());
}

/**
 * Everything the HTTP app needs besides its modules, shared by `main.ts` and the e2e tests so
 * they exercise the same pipeline: security headers, CORS, body limit, rate limit, the error
 * shape outside the scheduler's routes, Swagger, Socket.IO, the dashboard. (Validation and the routes' error
 * filter are the scheduler controllers' own. Shutdown on signals is `main.ts`'s: tests close
 * their apps themselves.)
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
  // The dashboard at / (its own CSP: its scripts and styles only, API and Socket.IO on this origin).
  serveDashboard(app);
  const origins = corsOrigins(env);
  if (origins)
    express.enableCors({ origin: origins, allowedHeaders: ['content-type', 'x-api-key', 'x-request-id'] });
  express.useBodyParser('json', { limit: BODY_LIMIT });
  // The scheduler's routes refuse non-JSON bodies themselves; here also every other /api path,
  // before the rate limit counts the request.
  express.use('/api', rejectNonJsonBody);
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
  // Unknown routes, bodies the parser refuses (413, malformed JSON) and /health answer in the same shape.
  app.useGlobalFilters(new DomainErrorFilter(app.get(DatabaseState, { strict: false })));
  if (!env.API_KEY) {
    logger.warn('API_KEY is not set: the REST API and Socket.IO accept anyone who can reach this port');
  }

  const document = createSchedulerDocument(app, { include: [HealthModule] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
