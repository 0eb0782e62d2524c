import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { accessMiddleware } from './api/access.middleware';
import { DomainErrorFilter } from './api/domain-error.filter';
import { rejectNonJsonBody } from './api/json-body.middleware';
import { presentedApiKey } from './common/api-key.verifier';
import { RequestAccess } from './common/request-access';
import { corsOriginsOf, Environment } from './config/environment';
import { PinoLogger } from './config/pino-logger';
import { ScoutIoAdapter } from './events/scout-io.adapter';
import { HealthModule } from './health/health.module';
import { DatabaseState } from './persistence/database-state.service';
import { createSchedulerDocument } from './scheduler/scheduler-swagger';
import { serveDashboard } from './web/serve-dashboard';

export const BODY_LIMIT = '1mb';

/** Health probes come from orchestrators, which name the container or pod, never a loopback host. */
const isHealthPath = (path: string): boolean => path === '/health' || path.startsWith('/health/');

/**
 * Everything the HTTP app needs besides its modules, shared by `main.ts` and the e2e tests so
 * they exercise the same pipeline: security headers, the loopback rules without an API key, CORS,
 * body limit, rate limit, the error shape outside the scheduler's routes, Swagger, Socket.IO, the
 * dashboard. (Validation and the routes' error filter and access guard are the scheduler
 * controllers' own. Where to listen and shutdown on signals are `main.ts`'s: tests close their
 * apps themselves.)
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
  // Without an API key, everything but the health probes answers loopback requests only (DNS
  // rebinding, foreign pages): the module's routes check it again with the same RequestAccess.
  const access = app.get(RequestAccess, { strict: false });
  if (!access.keys.enabled) {
    const loopbackOnly = accessMiddleware(access);
    express.use((request: Request, response: Response, next: NextFunction) =>
      isHealthPath(request.path) ? next() : loopbackOnly(request, response, next),
    );
  }
  // The dashboard at / (its own CSP: its scripts and styles only, API and Socket.IO on this origin),
  // behind the loopback rules above when there is no key.
  serveDashboard(app);
  const origins = corsOriginsOf(env);
  if (origins)
    express.enableCors({
      origin: origins,
      // With the headers a browser MCP client sends on /mcp (Streamable HTTP). The server is
      // stateless and issues no session id, so none needs exposing.
      allowedHeaders: [
        'content-type',
        'x-api-key',
        'authorization',
        'x-request-id',
        'mcp-protocol-version',
        'mcp-session-id',
      ],
    });
  express.useBodyParser('json', { limit: BODY_LIMIT });
  // The scheduler's routes refuse non-JSON bodies themselves; here also every other /api path,
  // before the rate limit counts the request.
  express.use('/api', rejectNonJsonBody);
  // Per key when a valid one is presented (by its digest, never the key), otherwise per client
  // address; on the API and the MCP server only: /health and /metrics stay cheap to poll.
  express.use(
    ['/api', '/mcp'],
    rateLimit({
      windowMs: 60_000,
      limit: env.RATE_LIMIT_PER_MINUTE,
      keyGenerator: (request) => {
        const key = access.keys.match(presentedApiKey(request.headers));
        return key ? `key:${key}` : `ip:${ipKeyGenerator(request.ip ?? '')}`;
      },
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

  const document = createSchedulerDocument(app, { include: [HealthModule] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
