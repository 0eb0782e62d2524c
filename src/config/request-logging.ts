import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import { stdSerializers } from 'pino';

const REQUEST_ID = /^[\w.:-]{1,200}$/;

/**
 * What a log line says of a request. No headers: neither `X-API-Key` nor `Authorization` can
 * ever reach a log, and pino-http builds this for every request (it is bound to the request's
 * logger whether or not anything is logged), so it must be cheap.
 */
export function requestLogFields(request: IncomingMessage & { id?: unknown }) {
  return {
    id: request.id,
    method: request.method,
    url: request.url,
    remoteAddress: request.socket?.remoteAddress,
    userAgent: request.headers['user-agent'],
  };
}

export const responseLogFields = (response: ServerResponse) => ({ statusCode: response.statusCode });

/** JSON request logs with a request id (`X-Request-Id`, taken from the request or made, and echoed). */
export function requestLogging(level: string): Options {
  return {
    level,
    genReqId: (request, response) => {
      const given = request.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      response.setHeader('x-request-id', id);
      return id;
    },
    // The functions below take the raw request and response (not pino's copies with every header).
    wrapSerializers: false,
    serializers: { req: requestLogFields, res: responseLogFields, err: stdSerializers.err },
    autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
  };
}
