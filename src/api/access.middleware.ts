import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RequestAccess } from '../common/request-access';

/**
 * `RequestAccess` as plain Express middleware, for what the service serves outside the module's
 * routes (docs, metrics, unknown paths; later the dashboard and `/mcp`): the same verdicts as the
 * module's guard, in the usual error shape.
 */
export function accessMiddleware(access: RequestAccess): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const verdict = access.check({ headers: request.headers, remoteAddress: request.socket?.remoteAddress });
    if (verdict.allowed) return next();
    response.status(verdict.statusCode).json({
      statusCode: verdict.statusCode,
      error: verdict.statusCode === 401 ? 'Unauthorized' : 'Forbidden',
      message: verdict.message,
    });
  };
}
