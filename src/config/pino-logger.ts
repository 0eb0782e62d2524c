import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * The logger of the request being served (pino-http's `req.log`, bound to the request's id), so a
 * line logged while serving a request says which request it belongs to.
 */
export const requestLoggers = new AsyncLocalStorage<Logger>();

/**
 * Nest's logger over pino: every `Logger` of the app writes JSON lines, with the Nest context as
 * `context`, an `Error` as `err`, and the request's fields when logged while serving one.
 */
export class PinoLogger implements LoggerService {
  constructor(readonly root: Logger) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const logger = requestLoggers.getStore() ?? this.root;
    if (!logger.isLevelEnabled(level)) return;
    // Nest passes the logger's context last (`new Logger('Database').warn(text)`).
    const fields: Record<string, unknown> = {};
    const rest = params.slice(0, -1);
    if (params.length > 0) fields.context = params[params.length - 1];
    if (message instanceof Error) {
      logger[level]({ ...fields, err: message }, ...(rest as []));
    } else if (typeof message === 'object' && message !== null) {
      logger[level]({ ...fields, ...message }, ...(rest as []));
    } else if (level === 'error' && isStack(rest)) {
      // Nest's exception handlers call `error(message, stack, context)`: keep it one error.
      const err = new Error(String(message));
      err.stack = rest[0];
      logger.error({ ...fields, err });
    } else {
      logger[level](fields, String(message), ...rest);
    }
  }
}

const isStack = (rest: unknown[]): rest is [string] =>
  rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0]);
