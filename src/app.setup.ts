import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DomainErrorFilter } from './common/domain-error.filter';
import { RejectNulPipe } from './common/reject-nul.pipe';

export const BODY_LIMIT = '1mb';

/**
 * Everything the HTTP app needs besides its modules, shared by `main.ts` and the e2e tests so
 * they exercise the same pipeline: validation, error shape, body limit, Swagger, shutdown hooks.
 */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useLogger(app.get(Logger));
  express.useBodyParser('json', { limit: BODY_LIMIT });
  app.useGlobalPipes(
    new RejectNulPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new DomainErrorFilter());
  app.enableShutdownHooks();

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
