import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const BODY_METHODS = ['POST', 'PUT', 'PATCH'];

/** A body that is not JSON would be read as empty: refuse it (415) instead of acting on nothing. */
export function rejectNonJsonBody(request: Request, response: Response, next: NextFunction): void {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'];
  if (BODY_METHODS.includes(request.method) && hasBody && !request.is('application/json')) {
    response.status(415).json({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'request body must be JSON (Content-Type: application/json)',
    });
    return;
  }
  next();
}

/**
 * The same check as Nest middleware, which `SchedulerModule` applies to its own routes, so a host
 * app serving them answers a non-JSON body with the service's 415.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware<Request, Response> {
  use(request: Request, response: Response, next: NextFunction): void {
    rejectNonJsonBody(request, response, next);
  }
}
