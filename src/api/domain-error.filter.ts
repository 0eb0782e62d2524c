import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import type { Response } from 'express';
import { isConnectionError } from '../persistence/connection-error';
import { DatabaseState } from '../persistence/database-state.service';
import type { ErrorBody } from './contract';
import { assertUnreachable, DomainError, ErrorCode } from '../domain/domain-error';

export function statusOf(code: ErrorCode): HttpStatus {
  switch (code) {
    case ErrorCode.InvalidSchedule:
    case ErrorCode.InvalidInput:
    case ErrorCode.UnknownHandler:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.TaskNotFound:
    case ErrorCode.ScheduleNotFound:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.Conflict:
      return HttpStatus.CONFLICT;
    default:
      return assertUnreachable(code);
  }
}

function reasonPhrase(status: number): string {
  const name = HttpStatus[status];
  return name
    ? name
        .toLowerCase()
        .split('_')
        .map((word) => word[0].toUpperCase() + word.slice(1))
        .join(' ')
    : 'Error';
}

/** Turns whatever an HTTP exception carries into one readable sentence. */
function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** Told of connection errors met by requests (DatabaseState), so an outage is logged once. */
export interface OutageSink {
  report(error: unknown): boolean;
}

export const DATABASE_UNAVAILABLE =
  'the database is unreachable; retry later (a change this request was making may not have been made)';

/**
 * Every error leaves as `{statusCode, error, message}`: domain errors by their code, Nest's HTTP
 * exceptions (validation, 404 routes, 413 bodies) as they are, a lost database as a 503, anything
 * else as a 500 whose details go to the log — never a stack trace or SQL in a response.
 * The scheduler's controllers use it themselves (resolved with DI, so a host app's routes of the
 * module answer alike); the service also installs it globally for unknown routes and bodies.
 */
@Injectable()
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  constructor(@Optional() @Inject(DatabaseState) private readonly outages?: OutageSink | null) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === 503 && isConnectionError(exception)) this.outages?.report(exception);
    else if (body.statusCode >= 500)
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      const status = statusOf(exception.code);
      return { statusCode: status, error: reasonPhrase(status), message: exception.message };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { statusCode: status, error: reasonPhrase(status), message: messageOf(exception) };
    }
    // body-parser errors (malformed JSON, body too large) carry their own 4xx status.
    const status = (exception as { status?: unknown; type?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (exception as { type?: string }).type;
      const message =
        type === 'entity.too.large'
          ? 'request body is larger than 1 MiB'
          : type === 'entity.parse.failed'
            ? 'request body is not valid JSON'
            : ((exception as Error).message ?? 'bad request');
      return { statusCode: status, error: reasonPhrase(status), message };
    }
    if (isConnectionError(exception))
      return { statusCode: 503, error: 'Service Unavailable', message: DATABASE_UNAVAILABLE };
    return {
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error; see the service log',
    };
  }
}
