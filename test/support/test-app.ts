import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { loadEnvironment } from '../../src/config/environment';

export interface TestApp {
  app: INestApplication;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
}

/** The real service (same modules and HTTP pipeline as `main.ts`) on a free loopback port. */
export async function startTestApp(env: Record<string, string>): Promise<TestApp> {
  const environment = loadEnvironment({ LOG_LEVEL: 'silent', ...env });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(environment), {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app, environment);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
