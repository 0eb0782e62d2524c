import { INestApplication, Logger } from '@nestjs/common';

type ShutdownSignal = 'SIGTERM' | 'SIGINT';
const SIGNALS: ShutdownSignal[] = ['SIGTERM', 'SIGINT'];
/** Exit status of a process ended by the signal (128 + its number), as a shell reports it. */
const KILLED_BY: Record<ShutdownSignal, number> = { SIGINT: 130, SIGTERM: 143 };

export interface ShutdownSignalOptions {
  graceSeconds: number;
  /** Stops waiting for running runs: they are interrupted, recorded and announced at once. */
  endGrace: () => void;
}

/**
 * SIGTERM and SIGINT (Ctrl-C) stop the service gracefully, and say so at once, so a Ctrl-C never
 * looks hung. The first signal closes the app: no more fires are armed, running runs get the
 * grace period to finish (the log names those still awaited every two seconds), every event of
 * that time reaches the connected clients and the other instances, then the process exits 0.
 * A second signal ends the wait: the runs still going are interrupted, recorded and announced
 * now. A third exits at once; runs left open are then recovered `interrupted` by the next
 * instance to start (or by another instance, once this one's heartbeat is 10 s old).
 * Nest's own `enableShutdownHooks` ignores signals after the first, hence this handler.
 */
export function stopGracefullyOnSignals(app: INestApplication, options: ShutdownSignalOptions): void {
  const logger = new Logger('Shutdown');
  let received = 0;
  const onSignal = (signal: ShutdownSignal) => {
    received++;
    if (received === 1) {
      logger.log(
        `${signal}: stopping; running runs have ${options.graceSeconds} s to finish (SCHEDULER_SHUTDOWN_GRACE_SECONDS). ` +
          `Send it again to stop waiting, a third time to exit at once.`,
      );
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    } else if (received === 2) {
      logger.warn(`${signal} again: not waiting any longer; running runs are interrupted now`);
      options.endGrace();
    } else {
      logger.warn(
        `${signal} a third time: exiting at once; runs still open are recovered as interrupted later`,
      );
      process.exit(KILLED_BY[signal]);
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
