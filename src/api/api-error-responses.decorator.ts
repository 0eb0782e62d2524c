import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from './dto/error.dto';
import { EXAMPLE_TASK_ID } from './dto/api-examples';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503;

const ERRORS: Record<ErrorStatus, { error: string; description: string; message: string }> = {
  400: {
    error: 'Bad Request',
    description: 'Invalid body, query or path value; the message names the field',
    message: 'name is required',
  },
  401: {
    error: 'Unauthorized',
    description: 'API keys are set and neither X-API-Key nor Authorization: Bearer carries one of them',
    message: 'missing API key: send the X-API-Key header or Authorization: Bearer <key>',
  },
  403: {
    error: 'Forbidden',
    description:
      'No API key is set and the request is not loopback: its Host is not a loopback name, its Origin is foreign, or (in a host app) its peer is not a loopback address',
    message: 'Host evil.example is not a loopback name; set API_KEY to serve other hosts',
  },
  404: {
    error: 'Not Found',
    description: 'No such task, or the task has no schedule',
    message: `task ${EXAMPLE_TASK_ID} not found`,
  },
  409: {
    error: 'Conflict',
    description: 'The run could not be created; try again',
    message: 'could not create the run; try again',
  },
  413: {
    error: 'Payload Too Large',
    description: "The body is larger than the body parser's limit (1 MiB in the service)",
    message: 'request body is larger than 1 MiB',
  },
  415: {
    error: 'Unsupported Media Type',
    description: 'A body that is not application/json',
    message: 'request body must be JSON (Content-Type: application/json)',
  },
  503: {
    error: 'Service Unavailable',
    description: 'The database is unreachable',
    message:
      'the database is unreachable; retry later (a change this request was making may not have been made)',
  },
};

/** Documents the error answers of a route (or of every route of a controller), in the error shape. */
export function ApiErrorResponses(...statuses: ErrorStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => {
      const { error, description, message } = ERRORS[status];
      return ApiResponse({
        status,
        description,
        type: ErrorDto,
        example: { statusCode: status, error, message },
      });
    }),
  );
}

/** A route with a JSON body: refused if not JSON (415) or too large (413), or invalid (400). */
export const ApiBodyErrors = (): MethodDecorator & ClassDecorator => ApiErrorResponses(400, 413, 415);
