import { ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { EXAMPLE_TASK_ID } from './dto/api-examples';
import { DomainError, ErrorCode } from '../domain/domain-error';

/** A path id that is not a UUID is a 400 naming the parameter, not a 404 or a database error. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new DomainError(ErrorCode.InvalidInput, `${name} must be a UUID`),
  });
}

/** Documents a path id as a UUID. */
export function ApiUuidParam(name: string): MethodDecorator {
  return ApiParam({ name, format: 'uuid', example: EXAMPLE_TASK_ID });
}
