import type { INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SchedulerModule } from './scheduler.module';

/** The schemes the routes' `@ApiSecurity('api-key')` and `@ApiBearerAuth('bearer')` refer to: the same key, either header. */
const SECURITY_SCHEMES = {
  'api-key': { type: 'apiKey', name: 'X-API-Key', in: 'header' },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'The API key as a bearer token: `Authorization: Bearer <key>`.',
  },
} as const;

/** The title, description, version and API key schemes of the scheduler's own document. */
function schedulerDocumentConfig(): Omit<OpenAPIObject, 'paths'> {
  return (
    new DocumentBuilder()
      .setTitle('Scout Scheduler')
      .setDescription(
        'Schedules and runs the Local Scout agent tasks: cron, intervals, one-shots, events and chains, persisted in PostgreSQL.',
      )
      .setVersion('0.1.0')
      .addSecurity('api-key', SECURITY_SCHEMES['api-key'])
      // Not addBearerAuth: it would say `bearerFormat: JWT`, and the token is the API key itself.
      .addSecurity('bearer', SECURITY_SCHEMES.bearer)
      .build()
  );
}

export interface SchedulerDocumentOptions {
  /** Title, version, servers… of the document; default `schedulerDocumentConfig()`. */
  config?: Omit<OpenAPIObject, 'paths'>;
  /** Other modules whose routes the document lists too (the service adds its health module). */
  include?: Type[];
}

/**
 * The OpenAPI document of the scheduler's routes only (`SchedulerModule`'s controllers), for a
 * host app to serve on its own path: `SwaggerModule.setup('scheduler/docs', app, createSchedulerDocument(app))`.
 */
export function createSchedulerDocument(
  app: INestApplication,
  options: SchedulerDocumentOptions = {},
): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, options.config ?? schedulerDocumentConfig(), {
    include: [SchedulerModule, ...(options.include ?? [])],
  });
  return withSecuritySchemes(document);
}

/**
 * Adds the scheduler's routes, schemas, tags and API key schemes to a document the host built for
 * its own modules (`SwaggerModule.createDocument(app, config, { include: [...] })`).
 */
export function addSchedulerToSwagger(app: INestApplication, document: OpenAPIObject): OpenAPIObject {
  const scheduler = createSchedulerDocument(app);
  const tags = [...(document.tags ?? [])];
  for (const tag of scheduler.tags ?? []) if (!tags.some((known) => known.name === tag.name)) tags.push(tag);
  return withSecuritySchemes({
    ...document,
    tags,
    paths: { ...document.paths, ...scheduler.paths },
    components: {
      ...document.components,
      schemas: { ...document.components?.schemas, ...scheduler.components?.schemas },
    },
  });
}

/** Adds the key's schemes a document lacks (a host's own config, or its own document). */
function withSecuritySchemes(document: OpenAPIObject): OpenAPIObject {
  const schemes = document.components?.securitySchemes ?? {};
  const missing = Object.entries(SECURITY_SCHEMES).filter(([name]) => !schemes[name]);
  if (missing.length === 0) return document;
  return {
    ...document,
    components: {
      ...document.components,
      securitySchemes: { ...schemes, ...Object.fromEntries(missing) },
    },
  };
}
