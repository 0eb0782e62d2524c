import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigurationError, loadEnvironment } from './config/environment';

async function bootstrap(): Promise<void> {
  let env;
  try {
    env = loadEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    // One line, no stack: the operator needs to know which variable to fix.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app);
  await app.listen(env.PORT, env.HOST);
}

void bootstrap();
