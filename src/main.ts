import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigurationError, loadEnvironment } from './config/environment';
import { listenAddressOf } from './config/listen-address';
import { EngineLifecycle } from './engine/engine-lifecycle.service';
import { stopGracefullyOnSignals } from './shutdown-signals';
import { reportReady } from './startup-report';

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
    // Quiet while modules start: a failure is reported below in one line; once up, the app logs
    // through pino (configureApp).
    logger: false,
    bodyParser: false,
    abortOnError: false,
  });
  configureApp(app, env);
  const lifecycle = app.get(EngineLifecycle);
  stopGracefullyOnSignals(app, {
    graceSeconds: env.SCHEDULER_SHUTDOWN_GRACE_SECONDS,
    endGrace: () => lifecycle.endGraceNow(),
  });
  // Protected mode (no API_KEY, no HOST): loopback only (config/listen-address.ts).
  const listen = listenAddressOf(env);
  await app.listen(env.PORT, listen.host);
  reportReady(app, __dirname, listen);
}

bootstrap().catch((error: unknown) => {
  // e.g. the database is unreachable: say so in one line rather than a stack dump.
  const reason =
    error instanceof Error
      ? `${error.message}${'code' in error ? ` (${String(error.code)})` : ''}`
      : String(error);
  process.stderr.write(`Scout Scheduler could not start: ${reason}\n`);
  process.exit(1);
});
